import type { UpstreamFetch } from '../http/upstream-exchange.ts';
import type { ProviderConfig } from '../../config/schema.ts';
import type { CanonicalRequest, InputTokenCount, ProviderCall, ProviderResult } from '../provider.ts';
import { HttpProvider } from '../http/http-provider.ts';
import type { StreamTranslator } from '../http/stream-translator.ts';
import { fromGeminiResponse } from './from-gemini-response.ts';
import { GeminiStreamTranslator } from './gemini-stream-translator.ts';
import { toGeminiRequest } from './to-gemini-request.ts';

type GeminiConfig = Extract<ProviderConfig, { type: 'gemini' }>;

/**
 * The Gemini API: `{base_url}/v1beta/models/{model}:generateContent`, or
 * `:streamGenerateContent?alt=sse` for streams, key in `x-goog-api-key`;
 * input tokens counted by `:countTokens`, given the whole request
 * (`generateContentRequest`) so instructions and tools count as billed.
 */
export class GeminiProvider extends HttpProvider {
  readonly type = 'gemini';
  private readonly models: string;

  constructor(name: string, config: GeminiConfig, fetch?: UpstreamFetch) {
    super(name, config, { 'x-goog-api-key': config.api_key }, config.api_key, fetch);
    this.models = `${config.base_url}/v1beta/models/`;
  }

  protected url(request: CanonicalRequest, stream: boolean): string {
    return this.models + modelId(request) + (stream ? ':streamGenerateContent?alt=sse' : ':generateContent');
  }

  countInputTokens(request: CanonicalRequest, call: ProviderCall): Promise<InputTokenCount> {
    const model = modelId(request);
    const body = { generateContentRequest: Object.assign({ model: `models/${decodeURIComponent(model)}` }, toGeminiRequest(request)) };
    return this.countWith(`${this.models}${model}:countTokens`, body, call, // The API leaves out counts that are zero.
      (answer) => (answer !== null && typeof answer === 'object' ? ((answer as { totalTokens?: unknown }).totalTokens ?? 0) : undefined));
  }

  protected body(request: CanonicalRequest): unknown {
    return toGeminiRequest(request);
  }

  protected result(body: unknown): ProviderResult {
    return fromGeminiResponse(body, this.upstream.secrets);
  }

  protected translator(): StreamTranslator {
    return new GeminiStreamTranslator(this.name, this.upstream.secrets);
  }
}

/** The model id for a URL path; accepted with or without the API's `models/` prefix. */
function modelId(request: CanonicalRequest): string {
  return encodeURIComponent(request.model.replace(/^models\//, ''));
}
