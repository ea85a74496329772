import { UpstreamFailure } from '../../errors/upstream-failure.ts';
import type { ProviderOutput, ProviderResult } from '../provider.ts';
import { list, modelName, object, optionalList, optionalObject, optionalString, string, type Fields } from '../translation/shape.ts';
import { fromResponsesUsage, incompleteReason } from './responses-usage.ts';
import type { ResponsesAnswer, ResponsesUsage } from './responses-wire.ts';

/**
 * An upstream Responses object → result. Output items of kinds the gateway
 * does not carry (built-in tools' calls) are left out; a failed response is
 * a 502 with the upstream's message; an answer without an `output` list
 * throws a ShapeError.
 */
export function fromResponsesResponse(body: unknown, provider: string, secrets: readonly string[]): ProviderResult {
  const answer = object(body, 'the answer');
  if (answer.status === 'failed') {
    const error = optionalObject(answer.error, 'the answer\'s `error`');
    const message = typeof error?.message === 'string' ? error.message : 'no details';
    throw UpstreamFailure.reported(provider, undefined, { message, code: typeof error?.code === 'string' ? error.code : null }, secrets);
  }
  const output: ProviderOutput[] = [];
  for (const entry of list(answer.output, 'the answer\'s `output`')) output.push(...outputItem(object(entry, 'an output item')));
  const incomplete = answer.status === 'incomplete';
  return {
    output,
    usage: fromResponsesUsage(optionalObject(answer.usage, 'the answer\'s `usage`') as ResponsesUsage | undefined),
    status: incomplete ? 'incomplete' : 'completed',
    ...(incomplete ? { incomplete_reason: incompleteReason(answer as unknown as ResponsesAnswer) } : {}),
    model: modelName(answer.model, secrets),
  };
}

/** One upstream output item as the gateway's (none for kinds it does not carry). */
function outputItem(item: Fields): ProviderOutput[] {
  if (item.type === 'message') {
    let text = '';
    for (const entry of list(item.content, 'a message\'s `content`')) {
      const part = object(entry, 'a content part');
      text += part.type === 'refusal' ? string(part.refusal, 'a refusal part\'s `refusal`') : (optionalString(part.text, 'a content part\'s `text`') ?? '');
    }
    return [{ type: 'message', text }];
  }
  if (item.type === 'function_call') {
    return [{ type: 'function_call', call_id: string(item.call_id, 'a function_call\'s `call_id`'), name: string(item.name, 'a function_call\'s `name`'), arguments: optionalString(item.arguments, 'a function_call\'s `arguments`') ?? '' }];
  }
  if (item.type === 'reasoning') {
    const summary = optionalList(item.summary, 'a reasoning item\'s `summary`').map((s) => optionalString(object(s, 'a summary part').text, 'a summary part\'s `text`') ?? '');
    return [{ type: 'reasoning', text: summary.join('\n\n') }];
  }
  return [];
}
