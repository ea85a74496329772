import { toChatUsage } from '../providers/openai-chat/chat-usage.ts';
import type { ChatToolCall } from '../providers/openai-chat/chat-wire.ts';
import type { ProviderResult } from '../providers/provider.ts';
import { chatFinishReason } from './chat-finish-reason.ts';

/**
 * A provider result as a `chat.completion`: one choice whose message has the
 * text of the message items (reasoning is not part of Chat Completions) and
 * the function calls as `tool_calls`.
 */
export function toChatCompletion(result: ProviderResult, id: string, model: string, created: number): Record<string, unknown> {
  let text = '';
  const calls: ChatToolCall[] = [];
  for (const item of result.output) {
    if (item.type === 'message') text += item.text;
    else if (item.type === 'function_call') calls.push({ id: item.call_id, type: 'function', function: { name: item.name, arguments: item.arguments } });
  }
  const message = {
    role: 'assistant',
    content: text === '' && calls.length > 0 ? null : text,
    refusal: null,
    annotations: [],
    ...(calls.length > 0 ? { tool_calls: calls } : {}),
  };
  return {
    id,
    object: 'chat.completion',
    created,
    model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: chatFinishReason(result.status, result.incomplete_reason, calls.length > 0) }],
    usage: toChatUsage(result.usage),
    service_tier: 'default',
    system_fingerprint: null,
  };
}
