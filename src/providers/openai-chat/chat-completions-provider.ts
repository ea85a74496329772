import type { UpstreamFetch } from '../http/upstream-exchange.ts';
import type { CanonicalRequest, ProviderResult } from '../provider.ts';
import { HttpProvider, type HttpProviderConfig } from '../http/http-provider.ts';
import type { StreamTranslator } from '../http/stream-translator.ts';
import { ChatStreamTranslator } from './chat-stream-translator.ts';
import { fromChatResponse } from './from-chat-response.ts';
import { toChatRequest, type ChatDialect } from './to-chat-request.ts';

export interface ChatCompletionsOptions {
  /** The provider type it serves (`openai`, `azure_openai`, `openai_compatible`, …). */
  type: string;
  /** Base URL; requests go to `{baseUrl}/chat/completions`. */
  baseUrl: string;
  /** Authentication headers. */
  auth: Readonly<Record<string, string>>;
  /** The API key, so no error message ever repeats it. */
  secret: string | undefined;
  maxTokensField: ChatDialect['maxTokensField'];
  /** How requests are sent (default: the runtime's fetch). */
  fetch?: UpstreamFetch;
}

/**
 * The Chat Completions protocol over HTTP: the base of every
 * OpenAI-compatible provider, which differ only in data (URL, headers, the
 * name of the token limit) or, like Azure, in how the URL is built.
 */
export class ChatCompletionsProvider extends HttpProvider {
  readonly type: string;
  private readonly dialect: ChatDialect;
  private readonly endpoint: string;

  constructor(name: string, config: HttpProviderConfig, options: ChatCompletionsOptions) {
    super(name, config, options.auth, options.secret, options.fetch);
    this.type = options.type;
    this.dialect = { type: options.type, maxTokensField: options.maxTokensField };
    this.endpoint = `${options.baseUrl}/chat/completions`;
  }

  protected url(_request: CanonicalRequest, _stream: boolean): string {
    return this.endpoint;
  }

  protected body(request: CanonicalRequest, stream: boolean): unknown {
    return toChatRequest(request, stream, this.dialect);
  }

  protected result(body: unknown): ProviderResult {
    return fromChatResponse(body, this.upstream.secrets);
  }

  protected translator(_request: CanonicalRequest): StreamTranslator {
    return new ChatStreamTranslator(this.name, this.upstream.secrets);
  }
}
