import type { ProviderOutput, ProviderResult } from '../provider.ts';
import { list, modelName, object, optionalObject, optionalString, string } from '../translation/shape.ts';
import { fromAnthropicUsage, fromStopReason } from './anthropic-usage.ts';
import type { AnthropicUsage } from './anthropic-wire.ts';

/**
 * An Anthropic message → result: consecutive text blocks form one message
 * item, `tool_use` blocks become function calls (input serialised as the
 * arguments string), `thinking` blocks reasoning. An answer without a
 * `content` list (`{}`) is not a message: it throws a ShapeError.
 */
export function fromAnthropicResponse(body: unknown, secrets: readonly string[]): ProviderResult {
  const answer = object(body, 'the answer');
  const output: ProviderOutput[] = [];
  for (const item of list(answer.content, 'the answer\'s `content`')) {
    const block = object(item, 'a content block');
    const last = output[output.length - 1];
    if (block.type === 'text') {
      const text = string(block.text, 'a text block\'s `text`');
      if (last?.type === 'message') last.text += text;
      else output.push({ type: 'message', text });
    } else if (block.type === 'tool_use') {
      output.push({
        type: 'function_call',
        call_id: string(block.id, 'a tool_use block\'s `id`'),
        name: string(block.name, 'a tool_use block\'s `name`'),
        arguments: JSON.stringify(optionalObject(block.input, 'a tool_use block\'s `input`') ?? {}),
      });
    } else if (block.type === 'thinking') {
      output.push({ type: 'reasoning', text: optionalString(block.thinking, 'a thinking block\'s `thinking`') ?? '' });
    }
  }
  const usage = (optionalObject(answer.usage, 'the answer\'s `usage`') ?? {}) as AnthropicUsage;
  const stop = optionalString(answer.stop_reason, 'the answer\'s `stop_reason`');
  return { output, usage: fromAnthropicUsage(usage), ...fromStopReason(stop), model: modelName(answer.model, secrets) };
}
