import type { UpstreamFetch } from '../http/upstream-exchange.ts';
import type { CanonicalRequest, ProviderResult } from '../provider.ts';
import { HttpProvider, type HttpProviderConfig } from '../http/http-provider.ts';
import type { StreamTranslator } from '../http/stream-translator.ts';
import { fromResponsesResponse } from './from-responses-response.ts';
import { ResponsesStreamTranslator } from './responses-stream-translator.ts';
import { toCompactRequest, toResponsesRequest } from './to-responses-request.ts';
import { fromCompactedResponse, isCompacted } from './from-compacted-response.ts';

/** OpenAI's Responses API (`POST {base_url}/responses`) as the upstream. */
export class OpenAIResponsesProvider extends HttpProvider {
  readonly type = 'openai';
  private readonly endpoint: string;
  private readonly compactEndpoint: string;

  constructor(name: string, config: HttpProviderConfig & { base_url: string; api_key: string }, fetch?: UpstreamFetch) {
    super(name, config, { authorization: `Bearer ${config.api_key}` }, config.api_key, fetch);
    this.endpoint = `${config.base_url}/responses`;
    this.compactEndpoint = `${config.base_url}/responses/compact`;
  }

  // A compaction call goes to OpenAI's own compaction, which answers with its own compaction item.
  protected url(request: CanonicalRequest): string {
    return request.compact ? this.compactEndpoint : this.endpoint;
  }

  protected body(request: CanonicalRequest, stream: boolean): unknown {
    return request.compact ? toCompactRequest(request) : toResponsesRequest(request, stream);
  }

  protected result(body: unknown): ProviderResult {
    if (isCompacted(body)) return fromCompactedResponse(body);
    return fromResponsesResponse(body, this.name, this.upstream.secrets);
  }

  protected translator(): StreamTranslator {
    return new ResponsesStreamTranslator(this.name, this.upstream.secrets);
  }
}
