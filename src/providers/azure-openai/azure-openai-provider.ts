import type { ProviderConfig } from '../../config/schema.ts';
import { ChatCompletionsProvider } from '../openai-chat/chat-completions-provider.ts';
import type { UpstreamFetch } from '../http/upstream-exchange.ts';
import type { CanonicalRequest } from '../provider.ts';

type AzureOpenAIConfig = Extract<ProviderConfig, { type: 'azure_openai' }>;

/**
 * Azure OpenAI: Chat Completions on a deployment
 * (`{endpoint}/openai/deployments/{deployment}/chat/completions?api-version=…`),
 * the model's `provider_model_id` being the deployment name, with the key in
 * an `api-key` header.
 */
export class AzureOpenAIProvider extends ChatCompletionsProvider {
  private readonly deployments: string;
  private readonly query: string;

  constructor(name: string, config: AzureOpenAIConfig, fetch?: UpstreamFetch) {
    super(name, config, {
      type: 'azure_openai',
      baseUrl: config.endpoint,
      auth: { 'api-key': config.api_key },
      secret: config.api_key,
      maxTokensField: 'max_completion_tokens',
      ...(fetch ? { fetch } : {}),
    });
    this.deployments = `${config.endpoint}/openai/deployments/`;
    this.query = `/chat/completions?api-version=${encodeURIComponent(config.api_version)}`;
  }

  protected override url(request: CanonicalRequest): string {
    return this.deployments + encodeURIComponent(request.model) + this.query;
  }
}
