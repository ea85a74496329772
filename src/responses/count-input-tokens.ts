import * as v from 'valibot';
import type { CanonicalRequest } from '../canonical/canonical-request.ts';
import type { ConversationItem } from '../canonical/types.ts';
import type { ConversationStore } from '../conversation/store.ts';
import { loadHistory } from './load-history.ts';
import type { CompactionSealer } from './compaction/compaction-sealer.ts';
import { expandCompactions, hasSealedCompaction } from './compaction/expand-compactions.ts';
import { jsonResponse } from '../core/json-response.ts';
import type { Principal } from '../core/principal.ts';
import type { RequestScope } from '../core/request-scope.ts';
import { ModelNotAllowedError } from '../errors/access-errors.ts';
import { InvalidRequestError } from '../errors/gateway-error.ts';
import { quoteValue } from '../errors/quote-value.ts';
import { nullable } from '../http/request-fields.ts';
import { validateBody } from '../http/validate-body.ts';
import { providerCall } from '../pipeline/provider-call.ts';
import type { ModelPipeline } from '../pipeline/model-pipeline.ts';
import { estimateInputTokens } from './estimate-input-tokens.ts';
import { normalizeInput } from './normalize-input.ts';
import { ResponsesRequestSchema } from './request-schema.ts';

const create = ResponsesRequestSchema.entries;

/**
 * The `POST /v1/responses/input_tokens` body: what OpenAI's endpoint accepts
 * (the create body's input-shaping fields), validated as create validates
 * them. `model` is required here: it decides which provider counts.
 */
export const InputTokensRequestSchema = v.strictObject({
  model: create.model,
  input: nullable(create.input),
  instructions: create.instructions,
  previous_response_id: create.previous_response_id,
  tools: create.tools,
  tool_choice: create.tool_choice,
  parallel_tool_calls: create.parallel_tool_calls,
  reasoning: create.reasoning,
  text: create.text,
  truncation: create.truncation,
  conversation: create.conversation,
});

/** The response header that marks a count the gateway estimated rather than the provider counted. */
export const ESTIMATE_HEADER = 'x-gateway-estimate';

export interface CountInputTokensDeps {
  pipeline: ModelPipeline;
  store: ConversationStore;
  /** Opens the gateway's own compaction items, so they are counted as what the model will see. */
  sealer?: CompactionSealer | undefined;
  /** The caller's model allow-list: a count reaches the provider like a call, so the same models are refused. */
  allowsModel?: ((principal: Principal, model: string) => boolean) | undefined;
}

/**
 * Counts the input tokens a create request with this body would be billed
 * for: the conversation is built as create builds it (previous_response_id,
 * item references, instructions, tools), then the route's provider counts it
 * through its own endpoint, or, when it has none, the gateway estimates it
 * (see estimateInputTokens) and says so with `x-gateway-estimate: true`.
 */
export async function countInputTokens(body: unknown, scope: RequestScope, { pipeline, store, sealer, allowsModel }: CountInputTokensDeps): Promise<Response> {
  const request = validateBody(InputTokensRequestSchema, body);
  const route = pipeline.route(request.model);
  if (allowsModel && !allowsModel(scope.principal, route.name)) throw new ModelNotAllowedError(route.name);
  // The conversation as create builds it (see ResponsesService.prepare): each earlier turn's input, then its output.
  const history: ConversationItem[] = request.previous_response_id ? (await loadHistory(store, scope, request.previous_response_id)).items : [];
  const raw = sealer && request.input && hasSealedCompaction(request.input) ? await expandCompactions(request.input, sealer) : (request.input ?? []);
  const input = normalizeInput(raw, history);
  const canonical: CanonicalRequest = {
    model: route.providerModelId,
    instructions: request.instructions ?? null,
    input: history.length > 0 ? [...history, ...input] : input,
    tools: (request.tools ?? []).map((t) => ({ type: t.type, name: t.name, description: t.description ?? null, parameters: t.parameters ?? null, strict: t.strict ?? null })),
    tool_choice: request.tool_choice ?? 'auto',
    parallel_tool_calls: request.parallel_tool_calls ?? true,
    temperature: null,
    top_p: null,
    max_output_tokens: null,
    text: { format: request.text?.format ?? { type: 'text' } },
    reasoning: request.reasoning ? { effort: request.reasoning.effort ?? null, summary: request.reasoning.summary ?? null } : null,
    user: null,
  };
  const provider = route.provider;
  if (!provider.countInputTokens) {
    return jsonResponse({ object: 'response.input_tokens', input_tokens: estimateInputTokens(canonical) }, 200, { [ESTIMATE_HEADER]: 'true' });
  }
  const count = await provider.countInputTokens(canonical, providerCall(scope));
  return jsonResponse({ object: 'response.input_tokens', input_tokens: count.input_tokens }, 200, count.estimated ? { [ESTIMATE_HEADER]: 'true' } : undefined);
}
