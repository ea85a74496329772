import type { ProviderConfig } from '../../config/schema.ts';
import { ChatCompletionsProvider } from '../openai-chat/chat-completions-provider.ts';
import type { UpstreamFetch } from '../http/upstream-exchange.ts';

type OpenAICompatibleConfig = Extract<ProviderConfig, { type: 'openai_compatible' }>;

/**
 * Any server that speaks Chat Completions (vLLM, Ollama, Groq, Together, LM
 * Studio): a Bearer key only when one is set, and `max_tokens`, the limit's
 * name that all of them know.
 */
export function openAICompatibleProvider(name: string, config: OpenAICompatibleConfig, fetch?: UpstreamFetch): ChatCompletionsProvider {
  const key = config.api_key || undefined;
  return new ChatCompletionsProvider(name, config, {
    type: 'openai_compatible',
    baseUrl: config.base_url,
    auth: key ? { authorization: `Bearer ${key}` } : {},
    secret: key,
    maxTokensField: 'max_tokens',
    ...(fetch ? { fetch } : {}),
  });
}
