import type { ProviderConfig } from '../../config/schema.ts';
import { ChatCompletionsProvider } from '../openai-chat/chat-completions-provider.ts';
import type { UpstreamFetch } from '../http/upstream-exchange.ts';
import type { Provider } from '../provider.ts';
import { OpenAIResponsesProvider } from './openai-responses-provider.ts';

type OpenAIConfig = Extract<ProviderConfig, { type: 'openai' }>;

/** OpenAI, through the endpoint `api` names: the Responses API (default) or Chat Completions. */
export function openAIProvider(name: string, config: OpenAIConfig, fetch?: UpstreamFetch): Provider {
  if (config.api === 'responses') return new OpenAIResponsesProvider(name, config, fetch);
  return new ChatCompletionsProvider(name, config, {
    type: 'openai',
    baseUrl: config.base_url,
    auth: { authorization: `Bearer ${config.api_key}` },
    secret: config.api_key,
    maxTokensField: 'max_completion_tokens',
    ...(fetch ? { fetch } : {}),
  });
}
