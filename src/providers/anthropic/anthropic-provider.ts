import type { UpstreamFetch } from '../http/upstream-exchange.ts';
import type { ProviderConfig } from '../../config/schema.ts';
import type { CanonicalRequest, InputTokenCount, ProviderCall, ProviderResult } from '../provider.ts';
import { HttpProvider, pickKeys } from '../http/http-provider.ts';
import type { StreamTranslator } from '../http/stream-translator.ts';
import { AnthropicStreamTranslator } from './anthropic-stream-translator.ts';
import { fromAnthropicResponse } from './from-anthropic-response.ts';
import { toAnthropicRequest } from './to-anthropic-request.ts';

type AnthropicConfig = Extract<ProviderConfig, { type: 'anthropic' }>;

/** What `POST /v1/messages/count_tokens` accepts of a Messages body. */
const COUNT_KEYS = ['model', 'messages', 'system', 'tools', 'tool_choice', 'thinking'];

/**
 * Anthropic's Messages API (`POST {base_url}/v1/messages`), key in `x-api-key`, version pinned by
 * `anthropic-version`; input tokens counted by `POST {base_url}/v1/messages/count_tokens`.
 */
export class AnthropicProvider extends HttpProvider {
  readonly type = 'anthropic';
  private readonly endpoint: string;
  private readonly countEndpoint: string;
  private readonly maxTokens: number;

  constructor(name: string, config: AnthropicConfig, fetch?: UpstreamFetch) {
    super(name, config, { 'x-api-key': config.api_key, 'anthropic-version': config.anthropic_version }, config.api_key, fetch);
    this.endpoint = `${config.base_url}/v1/messages`;
    this.countEndpoint = `${config.base_url}/v1/messages/count_tokens`;
    this.maxTokens = config.max_tokens;
  }

  countInputTokens(request: CanonicalRequest, call: ProviderCall): Promise<InputTokenCount> {
    const body = pickKeys(toAnthropicRequest(request, false, this.maxTokens) as Record<string, unknown>, COUNT_KEYS);
    return this.countWith(this.countEndpoint, body, call, (answer) => (answer as { input_tokens?: unknown } | null)?.input_tokens);
  }

  protected url(): string {
    return this.endpoint;
  }

  protected body(request: CanonicalRequest, stream: boolean): unknown {
    return toAnthropicRequest(request, stream, this.maxTokens);
  }

  protected result(body: unknown): ProviderResult {
    return fromAnthropicResponse(body, this.upstream.secrets);
  }

  protected translator(): StreamTranslator {
    return new AnthropicStreamTranslator(this.name, this.upstream.secrets);
  }
}
