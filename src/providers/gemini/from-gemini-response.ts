import type { ProviderOutput, ProviderResult } from '../provider.ts';
import { modelName, object, optionalList, optionalObject, optionalString, ShapeError, string, type Fields } from '../translation/shape.ts';
import { fromFinishReason, fromGeminiUsage, newCallId } from './gemini-usage.ts';
import type { GeminiUsage } from './gemini-wire.ts';

/**
 * A Gemini answer → result: the first candidate's parts, consecutive text
 * parts forming one message item (thought parts one reasoning item), each
 * `functionCall` a function call. A prompt blocked before any candidate is
 * an incomplete response with reason `content_filter`; an answer with
 * neither candidates nor a block reason (`{}`) throws a ShapeError.
 */
export function fromGeminiResponse(body: unknown, secrets: readonly string[]): ProviderResult {
  const answer = object(body, 'the answer');
  const candidates = optionalList(answer.candidates, 'the answer\'s `candidates`');
  const blocked = optionalString(optionalObject(answer.promptFeedback, 'the answer\'s `promptFeedback`')?.blockReason, 'the `blockReason`');
  if (candidates.length === 0 && blocked === undefined) throw new ShapeError('the answer has no candidates');
  const candidate = candidates.length > 0 ? object(candidates[0], 'a candidate') : undefined;
  const output: ProviderOutput[] = [];
  for (const part of parts(candidate)) {
    const last = output[output.length - 1];
    const call = optionalObject(part.functionCall, 'a `functionCall`');
    if (call) {
      output.push({ type: 'function_call', ...functionCall(call), arguments: JSON.stringify(optionalObject(call.args, 'a `functionCall`\'s `args`') ?? {}) });
    } else if (typeof part.text === 'string') {
      const kind = part.thought === true ? 'reasoning' : 'message';
      if (last?.type === kind) last.text += part.text;
      else output.push({ type: kind, text: part.text });
    }
  }
  const finishReason = optionalString(candidate?.finishReason, 'a candidate\'s `finishReason`');
  const finish = !candidate && blocked ? fromFinishReason('SAFETY') : fromFinishReason(finishReason);
  const usage = optionalObject(answer.usageMetadata, 'the answer\'s `usageMetadata`') as GeminiUsage | undefined;
  return { output, usage: fromGeminiUsage(usage), ...finish, model: modelName(answer.modelVersion, secrets) };
}

/** A candidate's parts, each an object (a candidate stopped by a filter may have none). */
export function parts(candidate: Fields | undefined): Fields[] {
  const content = optionalObject(candidate?.content, 'a candidate\'s `content`');
  return optionalList(content?.parts, 'a candidate\'s `parts`').map((part) => object(part, 'a part'));
}

/** A `functionCall`'s name and call id (Gemini usually sends no id: one is made). */
export function functionCall(call: Fields): { call_id: string; name: string } {
  return { name: string(call.name, 'a `functionCall`\'s `name`'), call_id: optionalString(call.id, 'a `functionCall`\'s `id`') ?? newCallId() };
}
