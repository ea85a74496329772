import type { ProviderOutput, ProviderResult } from '../provider.ts';
import { fromAnthropicUsage, fromStopReason } from './anthropic-usage.ts';
import type { AnthropicAnswer } from './anthropic-wire.ts';

/**
 * An Anthropic message → result: consecutive text blocks form one message
 * item, `tool_use` blocks become function calls (input serialised as the
 * arguments string), `thinking` blocks reasoning.
 */
export function fromAnthropicResponse(answer: AnthropicAnswer): ProviderResult {
  const output: ProviderOutput[] = [];
  for (const block of answer.content ?? []) {
    const last = output[output.length - 1];
    if (block.type === 'text') {
      if (last?.type === 'message') last.text += block.text ?? '';
      else output.push({ type: 'message', text: block.text ?? '' });
    } else if (block.type === 'tool_use') {
      output.push({ type: 'function_call', call_id: block.id!, name: block.name!, arguments: JSON.stringify(block.input ?? {}) });
    } else if (block.type === 'thinking') {
      output.push({ type: 'reasoning', text: block.thinking ?? '' });
    }
  }
  return { output, usage: fromAnthropicUsage(answer.usage ?? {}), ...fromStopReason(answer.stop_reason), model: answer.model };
}
