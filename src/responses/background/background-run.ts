import type { ResponseObject } from '../../canonical/types.ts';
import type { RequestScope } from '../../core/request-scope.ts';
import type { ModelCall } from '../../pipeline/model-call.ts';
import type { ResponseDraft } from '../response-draft.ts';

/** Bounds on what one run keeps of its stream. */
export interface EventBounds {
  maxEvents: number;
  maxBytes: number;
}

/**
 * One background response: its call (on a scope of its own, so the client
 * leaving does not end it), its state as `GET /v1/responses/{id}` shows it,
 * and, when it was created with `stream: true`, its SSE events: kept (the
 * newest, within the bounds) for resuming with `starting_after`, and pushed
 * to every stream that follows it. Event `n` has `sequence_number` n.
 */
export class BackgroundRun {
  status: 'queued' | 'in_progress' | 'ended' = 'queued';
  /** The final object, set once (completed, incomplete, failed or cancelled). */
  final: ResponseObject | undefined;
  cancelRequested = false;
  /** The encoded stream being read, once the upstream has accepted the call. */
  reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  /** Resolves when the run has ended and its final object was saved. */
  done: Promise<void> = Promise.resolve();
  endedAt = 0;
  private readonly events: Uint8Array[] = [];
  /** Sequence number of `events[0]`. */
  private firstSeq = 0;
  private bytes = 0;
  private readonly followers = new Set<ReadableStreamDefaultController<Uint8Array>>();

  constructor(
    readonly id: string,
    readonly draft: ResponseDraft,
    readonly call: ModelCall,
    readonly scope: RequestScope,
    /** Whether events are kept and followed (`stream: true`). */
    readonly streamed: boolean,
    private readonly bounds: EventBounds,
  ) {}

  /** The next event's sequence number. */
  get nextSeq(): number {
    return this.firstSeq + this.events.length;
  }

  /** The oldest sequence number still kept. */
  get oldestKept(): number {
    return this.firstSeq;
  }

  /** What `GET` shows: the final object, or the response as it stands. */
  current(): ResponseObject {
    if (this.final) return this.final;
    const now = this.draft.inProgress();
    if (this.status === 'queued') now.status = 'queued';
    return now;
  }

  /** Records an encoded event (one whole SSE event) and hands it to the followers. */
  push(event: Uint8Array): void {
    if (!this.streamed || this.status === 'ended') return;
    this.events.push(event);
    this.bytes += event.byteLength;
    while (this.events.length > 1 && (this.events.length > this.bounds.maxEvents || this.bytes > this.bounds.maxBytes)) {
      this.bytes -= this.events.shift()!.byteLength;
      this.firstSeq++;
    }
    for (const follower of this.followers) {
      // A follower that has more than the kept events' worth of bytes unread is dropped, not buffered without bound.
      if ((follower.desiredSize ?? 0) < -this.bounds.maxBytes) {
        this.followers.delete(follower);
        follower.error(new Error('The client read the stream too slowly.'));
      } else follower.enqueue(event);
    }
  }

  /** Ends the run: no more events; every follower's stream closes after the last one. */
  end(): void {
    if (this.status === 'ended') return;
    this.status = 'ended';
    for (const follower of this.followers) follower.close();
    this.followers.clear();
  }

  /** The events after `startingAfter`, then the live ones until the run ends. */
  follow(startingAfter: number): ReadableStream<Uint8Array> {
    let self: ReadableStreamDefaultController<Uint8Array> | undefined;
    return new ReadableStream<Uint8Array>({
      start: (controller) => {
        for (let i = Math.max(0, startingAfter + 1 - this.firstSeq); i < this.events.length; i++) controller.enqueue(this.events[i]!);
        if (this.status === 'ended') controller.close();
        else this.followers.add((self = controller));
      },
      cancel: () => {
        if (self) this.followers.delete(self);
      },
    }, new ByteLengthQueuingStrategy({ highWaterMark: 0 }));
  }

  /** Frees the kept events (the run is forgotten; its final object is in the store). */
  release(): void {
    this.events.length = 0;
    this.bytes = 0;
  }
}
