import type { UpstreamFetch } from '../http/upstream-exchange.ts';
import type { CanonicalRequest, InputTokenCount, ProviderCall, ProviderResult } from '../provider.ts';
import { HttpProvider, pickKeys, type HttpProviderConfig } from '../http/http-provider.ts';
import type { StreamTranslator } from '../http/stream-translator.ts';
import { fromResponsesResponse } from './from-responses-response.ts';
import { ResponsesStreamTranslator } from './responses-stream-translator.ts';
import { toCompactRequest, toResponsesRequest } from './to-responses-request.ts';
import { fromCompactedResponse, isCompacted } from './from-compacted-response.ts';

/** What `POST /responses/input_tokens` accepts of a create body. */
const COUNT_KEYS = ['model', 'input', 'instructions', 'tools', 'tool_choice', 'parallel_tool_calls', 'reasoning', 'text', 'truncation'];

/** OpenAI's Responses API (`POST {base_url}/responses`) as the upstream; input tokens counted by `POST {base_url}/responses/input_tokens`. */
export class OpenAIResponsesProvider extends HttpProvider {
  readonly type = 'openai';
  private readonly endpoint: string;
  private readonly compactEndpoint: string;
  private readonly countEndpoint: string;

  constructor(name: string, config: HttpProviderConfig & { base_url: string; api_key: string }, fetch?: UpstreamFetch) {
    super(name, config, { authorization: `Bearer ${config.api_key}` }, config.api_key, fetch);
    this.endpoint = `${config.base_url}/responses`;
    this.compactEndpoint = `${config.base_url}/responses/compact`;
    this.countEndpoint = `${config.base_url}/responses/input_tokens`;
  }

  countInputTokens(request: CanonicalRequest, call: ProviderCall): Promise<InputTokenCount> {
    const body = pickKeys(toResponsesRequest(request, false), COUNT_KEYS);
    return this.countWith(this.countEndpoint, body, call, (answer) => (answer as { input_tokens?: unknown } | null)?.input_tokens);
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
