import type { SseMessage } from '../../streaming/sse-decoder.ts';
import type { EventSink } from '../http/stream-translator.ts';
import { BaseStreamTranslator } from '../translation/base-stream-translator.ts';
import { object, optionalList, optionalObject, optionalString, ShapeError } from '../translation/shape.ts';
import { functionCall, parts } from './from-gemini-response.ts';
import { fromFinishReason, fromGeminiUsage } from './gemini-usage.ts';
import type { GeminiUsage } from './gemini-wire.ts';

/**
 * Gemini's `streamGenerateContent?alt=sse` → canonical events. Every chunk is
 * a partial answer: text parts extend the open message (thought parts the
 * open reasoning item), a `functionCall` arrives whole and is a complete
 * function_call item. `usageMetadata` is a running total, passed on as is
 * (the last one counts). Gemini has no end event: the stream's end after a
 * chunk with a `finishReason` completes the response. A chunk with none of
 * `candidates`, `usageMetadata` or `promptFeedback` is not Gemini's: it fails
 * the stream as unreadable.
 */
export class GeminiStreamTranslator extends BaseStreamTranslator {
  private open = -1;
  private openKind: 'message' | 'reasoning' | undefined;
  private finishReason: string | undefined;
  private model: string | undefined;

  message(message: SseMessage, out: EventSink): void {
    const chunk = object(JSON.parse(message.data), 'a chunk');
    if (chunk.error) throw this.reported(chunk);
    this.model ??= this.modelName(chunk.modelVersion);
    const candidates = optionalList(chunk.candidates, 'a chunk\'s `candidates`');
    const feedback = optionalObject(chunk.promptFeedback, 'a chunk\'s `promptFeedback`');
    const usage = optionalObject(chunk.usageMetadata, 'a chunk\'s `usageMetadata`') as GeminiUsage | undefined;
    if (candidates.length === 0 && !feedback && !usage) throw new ShapeError('a chunk has no candidates');
    const candidate = candidates.length > 0 ? object(candidates[0], 'a candidate') : undefined;
    for (const part of parts(candidate)) {
      const call = optionalObject(part.functionCall, 'a `functionCall`');
      if (call) {
        this.closeOpen(out);
        const { call_id, name } = functionCall(call);
        const index = this.items.startCall(out, call_id, name);
        out.enqueue({ type: 'arguments.delta', index, delta: JSON.stringify(optionalObject(call.args, 'a `functionCall`\'s `args`') ?? {}) });
        this.items.close(out, index);
      } else if (typeof part.text === 'string' && part.text !== '') {
        const kind = part.thought === true ? 'reasoning' : 'message';
        if (this.openKind !== kind) {
          this.closeOpen(out);
          this.open = kind === 'message' ? this.items.startMessage(out) : this.items.startReasoning(out);
          this.openKind = kind;
        }
        out.enqueue({ type: 'text.delta', index: this.open, delta: part.text });
      }
    }
    if (usage) out.enqueue({ type: 'usage', usage: fromGeminiUsage(usage) });
    const finishReason = optionalString(candidate?.finishReason, 'a candidate\'s `finishReason`');
    if (finishReason) this.finishReason = finishReason;
    else if (!candidate && optionalString(feedback?.blockReason, 'the `blockReason`')) this.finishReason = 'SAFETY';
  }

  end(out: EventSink): void {
    if (this.finishReason === undefined) throw this.cutShort();
    const { status, incomplete_reason } = fromFinishReason(this.finishReason);
    this.items.finish(out, status, incomplete_reason, this.model);
  }

  private closeOpen(out: EventSink): void {
    if (this.open === -1) return;
    this.items.close(out, this.open);
    this.open = -1;
    this.openKind = undefined;
  }
}
