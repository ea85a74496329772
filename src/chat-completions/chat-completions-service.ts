import { InvalidRequestError } from '../errors/gateway-error.ts';
import type { RequestScope } from '../core/request-scope.ts';
import { validateBody } from '../http/validate-body.ts';
import type { ModelPipeline } from '../pipeline/model-pipeline.ts';
import { chatCompletionId } from './chat-finish-reason.ts';
import { chatStreamTransformer } from './chat-stream-encoder.ts';
import { transformPull } from '../streaming/transform-pull.ts';
import { ChatRequestSchema } from './request-schema.ts';
import { chatToCanonical } from './to-canonical.ts';
import { toChatCompletion } from './to-chat-completion.ts';

export interface ChatCompletionsServiceDeps {
  pipeline: ModelPipeline;
  /** Clock in milliseconds since the epoch. */
  now: () => number;
}

/**
 * `POST /v1/chat/completions` over the same model-call pipeline as the
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
    const pipeline = this.deps.pipeline;
    const route = pipeline.route(request.model);
    const call = pipeline.open('chat_completions', scope, route, chatToCanonical(request, route.providerModelId), request.stream === true);
    const id = chatCompletionId();
    const created = Math.floor(this.deps.now() / 1000);
    if (!request.stream) {
      return pipeline.json(call, toChatCompletion(await pipeline.generate(call), id, route.name, created));
    }
    const events = await pipeline.stream(call);
    const encoder = chatStreamTransformer({ id, model: route.name, created, includeUsage: request.stream_options?.include_usage === true, call });
    return pipeline.respond(call, transformPull(events, encoder));
  }
}
