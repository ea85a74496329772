import { makeUsage } from '../../canonical/types.ts';
import type { ProviderOutput, ProviderResult } from '../provider.ts';
import { fromChatFinish } from './chat-finish.ts';
import { fromChatUsage } from './chat-usage.ts';
import type { ChatCompletion } from './chat-wire.ts';

/** A `chat.completion` → result: the message's text (or refusal), then its tool calls. */
export function fromChatResponse(body: ChatCompletion): ProviderResult {
  const choice = body.choices?.[0];
  if (!choice) throw new Error('the answer has no choices');
  const { message } = choice;
  const output: ProviderOutput[] = [];
  const text = message.content || message.refusal;
  if (text) output.push({ type: 'message', text });
  for (const call of message.tool_calls ?? []) {
    output.push({ type: 'function_call', call_id: call.id, name: call.function.name, arguments: call.function.arguments });
  }
  return {
    output,
    usage: body.usage ? fromChatUsage(body.usage) : makeUsage(0, 0),
    ...fromChatFinish(choice.finish_reason),
    model: body.model,
  };
}
