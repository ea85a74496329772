import { UpstreamError } from '../../errors/gateway-error.ts';
import type { ProviderOutput, ProviderResult } from '../provider.ts';
import { fromResponsesUsage, incompleteReason } from './responses-usage.ts';
import type { ResponsesAnswer } from './responses-wire.ts';

/**
 * An upstream Responses object → result. Output items of kinds the gateway
 * does not carry (built-in tools' calls) are left out; a failed response is
 * a 502 with the upstream's message.
 */
export function fromResponsesResponse(answer: ResponsesAnswer, provider: string): ProviderResult {
  if (answer.status === 'failed') {
    throw new UpstreamError(`Provider '${provider}' failed to produce a response: ${answer.error?.message ?? 'no details'}`);
  }
  const output: ProviderOutput[] = [];
  for (const item of answer.output ?? []) {
    if (item.type === 'message' && 'content' in item) {
      let text = '';
      for (const part of item.content) text += part.type === 'refusal' ? part.refusal : part.text;
      output.push({ type: 'message', text });
    } else if (item.type === 'function_call' && 'call_id' in item) {
      output.push({ type: 'function_call', call_id: item.call_id, name: item.name, arguments: item.arguments });
    } else if (item.type === 'reasoning' && 'summary' in item) {
      output.push({ type: 'reasoning', text: (item.summary ?? []).map((s) => s.text).join('\n\n') });
    }
  }
  const incomplete = answer.status === 'incomplete';
  return {
    output,
    usage: fromResponsesUsage(answer.usage),
    status: incomplete ? 'incomplete' : 'completed',
    ...(incomplete ? { incomplete_reason: incompleteReason(answer) } : {}),
    model: answer.model,
  };
}
