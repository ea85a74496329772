import type { SseMessage } from '../../streaming/sse-decoder.ts';
import type { EventSink } from '../http/stream-translator.ts';
import { BaseStreamTranslator } from '../translation/base-stream-translator.ts';
import { fromFinishReason, fromGeminiUsage, newCallId } from './gemini-usage.ts';
import type { GeminiAnswer } from './gemini-wire.ts';

/**
 * Gemini's `streamGenerateContent?alt=sse` → canonical events. Every chunk is
 * a partial answer: text parts extend the open message (thought parts the
 * open reasoning item), a `functionCall` arrives whole and is a complete
 * function_call item. `usageMetadata` is a running total, passed on as is
 * (the last one counts). Gemini has no end event: the stream's end after a
 * chunk with a `finishReason` completes the response.
 */
export class GeminiStreamTranslator extends BaseStreamTranslator {
  private open = -1;
  private openKind: 'message' | 'reasoning' | undefined;
  private finishReason: string | undefined;
  private model: string | undefined;

  message(message: SseMessage, out: EventSink): void {
    const chunk = JSON.parse(message.data) as GeminiAnswer;
    if (chunk.error) throw this.reported(chunk);
    this.model ??= chunk.modelVersion;
    const candidate = chunk.candidates?.[0];
    for (const part of candidate?.content?.parts ?? []) {
      if (part.functionCall) {
        this.closeOpen(out);
        const { name, args, id } = part.functionCall;
        const index = this.items.startCall(out, id ?? newCallId(), name);
        out.enqueue({ type: 'arguments.delta', index, delta: JSON.stringify(args ?? {}) });
        this.items.close(out, index);
      } else if (typeof part.text === 'string' && part.text !== '') {
        const kind = part.thought ? 'reasoning' : 'message';
        if (this.openKind !== kind) {
          this.closeOpen(out);
          this.open = kind === 'message' ? this.items.startMessage(out) : this.items.startReasoning(out);
          this.openKind = kind;
        }
        out.enqueue({ type: 'text.delta', index: this.open, delta: part.text });
      }
    }
    if (chunk.usageMetadata) out.enqueue({ type: 'usage', usage: fromGeminiUsage(chunk.usageMetadata) });
    if (candidate?.finishReason) this.finishReason = candidate.finishReason;
    else if (!candidate && chunk.promptFeedback?.blockReason) this.finishReason = 'SAFETY';
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
