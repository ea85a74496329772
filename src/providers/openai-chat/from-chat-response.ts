import { makeUsage } from '../../canonical/types.ts';
import type { ProviderOutput, ProviderResult } from '../provider.ts';
import { list, modelName, object, optionalList, optionalObject, optionalString, ShapeError, string } from '../translation/shape.ts';
import { fromChatFinish } from './chat-finish.ts';
import { fromChatUsage } from './chat-usage.ts';
import type { ChatUsage } from './chat-wire.ts';

/**
 * A `chat.completion` → result: the message's text (or refusal), then its
 * tool calls. An answer without `choices`, or whose first choice has no
 * `message`, throws a ShapeError.
 */
export function fromChatResponse(body: unknown, secrets: readonly string[]): ProviderResult {
  const answer = object(body, 'the answer');
  const choices = list(answer.choices, 'the answer\'s `choices`');
  if (choices.length === 0) throw new ShapeError('the answer has no choices');
  const choice = object(choices[0], 'a choice');
  const message = object(choice.message, 'a choice\'s `message`');
  const output: ProviderOutput[] = [];
  const text = optionalString(message.content, 'the message\'s `content`') || optionalString(message.refusal, 'the message\'s `refusal`');
  if (text) output.push({ type: 'message', text });
  for (const entry of optionalList(message.tool_calls, 'the message\'s `tool_calls`')) {
    const call = object(entry, 'a tool call');
    const fn = object(call.function, 'a tool call\'s `function`');
    output.push({
      type: 'function_call',
      call_id: string(call.id, 'a tool call\'s `id`'),
      name: string(fn.name, 'a tool call\'s `name`'),
      arguments: optionalString(fn.arguments, 'a tool call\'s `arguments`') ?? '',
    });
  }
  const usage = optionalObject(answer.usage, 'the answer\'s `usage`') as ChatUsage | undefined;
  return {
    output,
    usage: usage ? fromChatUsage(usage) : makeUsage(0, 0),
    ...fromChatFinish(optionalString(choice.finish_reason, 'a choice\'s `finish_reason`')),
    model: modelName(answer.model, secrets),
  };
}
