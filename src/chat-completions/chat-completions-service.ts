import { InvalidRequestError } from '../errors/gateway-error.ts';
import { jsonResponse } from '../core/json-response.ts';
import { providerCall } from '../pipeline/provider-call.ts';
import { traceFields, type RequestScope } from '../core/request-scope.ts';
import { validateBody } from '../http/validate-body.ts';
import type { Logger } from '../observability/logger.ts';
import type { ModelRouter, Route } from '../providers/model-router.ts';
import type { Usage } from '../canonical/types.ts';
import { catchStreamErrors } from '../streaming/catch-stream-errors.ts';
import { SSE_HEADERS } from '../streaming/sse.ts';
import { trackDelivery } from '../streaming/track-delivery.ts';
import { chatCompletionId } from './chat-finish-reason.ts';
import { ChatStreamEncoder } from './chat-stream-encoder.ts';
import { ChatRequestSchema } from './request-schema.ts';
import { chatToCanonical } from './to-canonical.ts';
import { toChatCompletion } from './to-chat-completion.ts';

export interface ChatCompletionsServiceDeps {
  router: ModelRouter;
  logger: Logger;
  /** Clock in milliseconds since the epoch. */
  now: () => number;
}

/**
 * `POST /v1/chat/completions` over the same routing and providers as the
 * Responses API: the chat request is translated to the canonical model, and
 * the provider's result or events back into Chat Completions. Nothing is
 * stored.
 */
export class ChatCompletionsService {
  constructor(private readonly deps: ChatCompletionsServiceDeps) {}

  async create(body: unknown, scope: RequestScope): Promise<Response> {
    const request = validateBody(ChatRequestSchema, body);
    if (request.stream_options && !request.stream) {
      throw new InvalidRequestError("The 'stream_options' parameter is only allowed when 'stream' is enabled.", { param: 'stream_options', code: 'invalid_value' });
    }
    const route = this.deps.router.routeFor(request.model);
    const canonical = chatToCanonical(request, route.providerModelId);
    const id = chatCompletionId();
    const created = Math.floor(this.deps.now() / 1000);
    const upstreamStart = performance.now();
    const call = providerCall(scope);
    if (!request.stream) {
      const result = await route.provider.generate(canonical, call).finally(() => {
        scope.upstreamMs = performance.now() - upstreamStart;
      });
      this.logGenerated(scope, route, result.status, result.usage);
      return jsonResponse(toChatCompletion(result, id, route.name, created));
    }
    // Errors before the upstream accepts the request reject here and are answered with a status.
    const events = await route.provider.stream(canonical, call).catch((error: unknown) => {
      scope.upstreamMs = performance.now() - upstreamStart;
      throw error;
    });
    const encoder = new ChatStreamEncoder({
      id,
      model: route.name,
      created,
      includeUsage: request.stream_options?.include_usage === true,
      onEnd: ({ status, usage, failure }) => {
        scope.upstreamMs = performance.now() - upstreamStart;
        if (failure) {
          scope.error = failure;
          this.deps.logger.warn('response failed mid-stream', { request_id: scope.id, ...traceFields(scope), provider: route.provider.name, model: route.name, error: failure });
        }
        this.logGenerated(scope, route, status, usage);
      },
    });
    return new Response(trackDelivery(catchStreamErrors(events).pipeThrough(encoder), scope), { headers: SSE_HEADERS });
  }

  private logGenerated(scope: RequestScope, route: Route, status: string, usage: Usage | null): void {
    this.deps.logger.info('response generated', {
      request_id: scope.id,
      ...traceFields(scope),
      provider: route.provider.name,
      model: route.name,
      input_tokens: usage?.input_tokens,
      output_tokens: usage?.output_tokens,
      status,
      duration_ms: Math.round((performance.now() - scope.startedAt) * 1000) / 1000,
    });
  }
}
