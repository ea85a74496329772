import type { ProviderOutput, ProviderResult } from '../provider.ts';
import { fromFinishReason, fromGeminiUsage, newCallId } from './gemini-usage.ts';
import type { GeminiAnswer } from './gemini-wire.ts';

/**
 * A Gemini answer → result: the first candidate's parts, consecutive text
 * parts forming one message item (thought parts one reasoning item), each
 * `functionCall` a function call. A prompt blocked before any candidate is
 * an incomplete response with reason `content_filter`.
 */
export function fromGeminiResponse(answer: GeminiAnswer): ProviderResult {
  const candidate = answer.candidates?.[0];
  const output: ProviderOutput[] = [];
  for (const part of candidate?.content?.parts ?? []) {
    const last = output[output.length - 1];
    if (part.functionCall) {
      const { name, args, id } = part.functionCall;
      output.push({ type: 'function_call', call_id: id ?? newCallId(), name, arguments: JSON.stringify(args ?? {}) });
    } else if (typeof part.text === 'string') {
      const kind = part.thought ? 'reasoning' : 'message';
      if (last?.type === kind) last.text += part.text;
      else output.push({ type: kind, text: part.text });
    }
  }
  const finish = !candidate && answer.promptFeedback?.blockReason ? fromFinishReason('SAFETY') : fromFinishReason(candidate?.finishReason);
  return { output, usage: fromGeminiUsage(answer.usageMetadata), ...finish, model: answer.modelVersion };
}
