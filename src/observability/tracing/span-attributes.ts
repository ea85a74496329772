import type { Attributes } from '@opentelemetry/api';
import type { Usage } from '../../canonical/types.ts';

/**
 * The span attribute names, in one place: the observability specification's
 * own names (`http.method`, `provider.*`) and the OpenTelemetry semantic
 * conventions' (`http.request.method`, `gen_ai.*`), which the gateway sets
 * side by side. A value that has two names is set under both by the helpers
 * below, from one read of it.
 */
export const ATTR = {
  // Server span: the specification's names, then the HTTP conventions'.
  httpMethod: 'http.method',
  httpRequestMethod: 'http.request.method',
  urlPath: 'url.path',
  httpRoute: 'http.route',
  httpStatusCode: 'http.status_code',
  httpResponseStatusCode: 'http.response.status_code',
  requestId: 'http.request_id',
  traceId: 'trace_id',
  spanId: 'span_id',
  enduserId: 'enduser.id',
  // Provider span: the specification's names.
  providerName: 'provider.name',
  providerModel: 'provider.model',
  providerInputTokens: 'provider.input_tokens',
  providerOutputTokens: 'provider.output_tokens',
  providerChunkCount: 'provider.chunk_count',
  providerTtfbSeconds: 'provider.ttfb_seconds',
  // Provider span: the GenAI conventions'.
  genAiOperationName: 'gen_ai.operation.name',
  genAiProviderName: 'gen_ai.provider.name',
  genAiRequestModel: 'gen_ai.request.model',
  genAiRequestStream: 'gen_ai.request.stream',
  genAiRequestMaxTokens: 'gen_ai.request.max_tokens',
  genAiRequestTemperature: 'gen_ai.request.temperature',
  genAiResponseModel: 'gen_ai.response.model',
  genAiResponseFinishReasons: 'gen_ai.response.finish_reasons',
  genAiUsageInputTokens: 'gen_ai.usage.input_tokens',
  genAiUsageOutputTokens: 'gen_ai.usage.output_tokens',
  errorType: 'error.type',
} as const;

/** Token usage under both names (`provider.*_tokens` and `gen_ai.usage.*_tokens`), added to `into`. */
export function usageAttributes(into: Attributes, usage: Usage): Attributes {
  into[ATTR.providerInputTokens] = into[ATTR.genAiUsageInputTokens] = usage.input_tokens;
  into[ATTR.providerOutputTokens] = into[ATTR.genAiUsageOutputTokens] = usage.output_tokens;
  return into;
}

/** The request method under both names (`http.method`, `http.request.method`). */
export function methodAttributes(into: Attributes, method: string): Attributes {
  into[ATTR.httpMethod] = into[ATTR.httpRequestMethod] = method;
  return into;
}

/** The response status under both names (`http.status_code`, `http.response.status_code`). */
export function statusAttributes(into: Attributes, status: number): Attributes {
  into[ATTR.httpStatusCode] = into[ATTR.httpResponseStatusCode] = status;
  return into;
}
