import type { IncompleteReason, Usage } from '../../canonical/types.ts';
import type { FinishStatus } from '../provider.ts';
import type { EventSink } from '../http/stream-translator.ts';

/**
 * The bookkeeping every stream translator needs to emit a valid canonical
 * sequence: items numbered in the order they start, which are still open, and
 * exactly one `done`. At a cut-off (`incomplete`) open items are left open, so
 * the response ends them `incomplete`.
 */
export class ItemTracker {
  private next = 0;
  private readonly open: number[] = [];
  private finished = false;

  get done(): boolean {
    return this.finished;
  }

  startMessage(out: EventSink): number {
    const index = this.begin();
    out.enqueue({ type: 'message.start', index });
    return index;
  }

  startReasoning(out: EventSink): number {
    const index = this.begin();
    out.enqueue({ type: 'reasoning.start', index });
    return index;
  }

  startCall(out: EventSink, call_id: string, name: string): number {
    const index = this.begin();
    out.enqueue({ type: 'function_call.start', index, call_id, name });
    return index;
  }

  /** Ends one item, if it is still open. */
  close(out: EventSink, index: number): void {
    const at = this.open.indexOf(index);
    if (at === -1) return;
    this.open.splice(at, 1);
    out.enqueue({ type: 'item.done', index });
  }

  closeAll(out: EventSink): void {
    while (this.open.length > 0) out.enqueue({ type: 'item.done', index: this.open.shift()! });
  }

  /** The one `done`, after the final usage; a completed response closes what is still open first. */
  finish(out: EventSink, status: FinishStatus, incomplete_reason: IncompleteReason | undefined, model: string | undefined, usage?: Usage): void {
    if (this.finished) return;
    this.finished = true;
    if (status === 'completed') this.closeAll(out);
    if (usage) out.enqueue({ type: 'usage', usage });
    out.enqueue(incomplete_reason ? { type: 'done', status, incomplete_reason, model } : { type: 'done', status, model });
  }

  private begin(): number {
    const index = this.next++;
    this.open.push(index);
    return index;
  }
}
