import type { ConversationStore, StoredTurn } from '../conversation/store.ts';
import type { Principal } from '../core/principal.ts';
import { storeCall } from '../conversation/store-call.ts';
import { GatewayError, InvalidRequestError, NotFoundError, StoreUnavailableError } from '../errors/gateway-error.ts';
import { quoteValue } from '../errors/quote-value.ts';
import { traceFields, type RequestScope } from '../core/request-scope.ts';
import { validateBody } from '../http/validate-body.ts';
import type { Logger } from '../observability/logger.ts';
import type { CanonicalRequest } from '../canonical/canonical-request.ts';
import type { ModelCall } from '../pipeline/model-call.ts';
import type { ModelPipeline } from '../pipeline/model-pipeline.ts';
import { loadHistory, type LocalTurn } from './load-history.ts';
import { normalizeInput } from './normalize-input.ts';
import { ResponsesRequestSchema, type ResponsesRequest } from './request-schema.ts';
import { ResponseDraft, toOutputItems } from './response-draft.ts';
import { responsesStreamTransformer } from './responses-stream-encoder.ts';
import { transformPull } from '../streaming/transform-pull.ts';
import { streamOf } from '../streaming/pull.ts';
import { countInputTokens } from './count-input-tokens.ts';
import type { ConversationItem, ResponseObject } from '../canonical/types.ts';
import type { CompactionSealer } from './compaction/compaction-sealer.ts';
import { expandCompactions, hasSealedCompaction } from './compaction/expand-compactions.ts';
import type { BackgroundRuns } from './background/background-runs.ts';
import type { BackgroundRun } from './background/background-run.ts';

export interface ResponsesServiceDeps {
  pipeline: ModelPipeline;
  store: ConversationStore;
  logger: Logger;
  /** Clock in milliseconds since the epoch. */
  now: () => number;
  /** Opens the gateway's own compaction items given back as input. */
  sealer?: CompactionSealer;
  /** Runs `background: true` responses; without it they are refused. */
  background?: BackgroundRuns;
  /** The caller's model allow-list, for counting input tokens (model calls check it in their before hooks). */
  allowsModel?: ((principal: Principal, model: string) => boolean) | undefined;
}

/**
 * Responses a turn may continue from before the store is asked, and where it
 * keeps its own, stored or not: WebSocket mode's connection-local state.
 */
export interface LocalResponses {
  get(id: string): LocalTurn | undefined;
  put(turn: LocalTurn): void;
}

export type { LocalTurn };

interface Prepared {
  request: ResponsesRequest;
  call: ModelCall;
  /** This turn's own input: what gets stored (earlier turns are linked, not copied). */
  input: ConversationItem[];
  /** The turn this one continues. */
  previous: StoredTurn | undefined;
  /** Items of the earlier turns. */
  historyItems: number;
  /** The earlier turns' items (what a connection-local turn keeps). */
  history: ConversationItem[];
  draft: ResponseDraft;
  local: LocalResponses | undefined;
}

/** The Responses API: create (JSON or SSE), retrieve, delete and list input items. */
export class ResponsesService {
  constructor(private readonly deps: ResponsesServiceDeps) {}

  async create(body: unknown, scope: RequestScope): Promise<Response> {
    const prepared = await this.prepare(body, scope);
    if (prepared.request.background) return this.background(prepared, scope);
    return prepared.request.stream ? this.stream(prepared) : this.generate(prepared);
  }

  /**
   * One turn of a WebSocket connection: `body` checked as a streamed POST's,
   * its events as JSON texts (the SSE events' data). Failures before the
   * stream starts reject with a GatewayError, as a POST answers them.
   */
  async streamEvents(body: unknown, scope: RequestScope, local: LocalResponses): Promise<ReadableStream<string>> {
    // The connection is the stream: a run that outlives the turn has nowhere to send its events.
    if ((body as { background?: unknown } | null)?.background === true) throw new InvalidRequestError('background is not supported in WebSocket mode; use POST /v1/responses.', { param: 'background', code: 'unsupported_value' });
    const p = await this.prepare(body, scope, local);
    const events = await this.deps.pipeline.stream(p.call);
    return streamOf(transformPull(events, responsesStreamTransformer(p.draft, p.call, (response) => this.save(p, response, p.call.scope).then(() => undefined), jsonText)));
  }

  /** `POST /v1/responses/input_tokens`: the input tokens a create with this body would be billed for. */
  countInputTokens(body: unknown, scope: RequestScope): Promise<Response> {
    return countInputTokens(body, scope, this.deps);
  }

  async retrieve(id: string, scope: RequestScope): Promise<ResponseObject> {
    const run = this.liveRun(id, scope);
    if (run) return run.current();
    return (await this.find(id, scope)).response;
  }

  /** `GET /v1/responses/{id}?stream=true&starting_after=N`: a background response's events after N. */
  async retrieveStream(id: string, startingAfter: number, scope: RequestScope): Promise<Response> {
    const runs = this.deps.background;
    const run = this.liveRun(id, scope);
    if (!runs || !run) {
      await this.find(id, scope);
      throw new InvalidRequestError(`Response ${quoteValue(id)} has no stream to resume: only background responses created with stream: true can be streamed, while their events are kept.`, { param: 'stream', code: 'invalid_value' });
    }
    return runs.resume(run, startingAfter, scope);
  }

  /** `POST /v1/responses/{id}/cancel`: only background responses can be cancelled, as in OpenAI's API. */
  async cancel(id: string, scope: RequestScope): Promise<ResponseObject> {
    const runs = this.deps.background;
    const run = this.liveRun(id, scope);
    if (runs && run) return runs.cancel(run);
    const record = await this.find(id, scope);
    if (record.response.background) return record.response;
    throw new InvalidRequestError('Only responses created with background set to true can be cancelled.', { param: 'response_id', code: 'invalid_value' });
  }

  async delete(id: string, scope: RequestScope): Promise<{ id: string; object: 'response.deleted'; deleted: true }> {
    if (!(await this.deps.store.delete(storeCall(scope), id))) throw responseNotFound(id);
    return { id, object: 'response.deleted', deleted: true };
  }

  async inputItems(id: string, query: URLSearchParams, scope: RequestScope) {
    const { limit, order, after } = parseListQuery(query);
    const record = await this.find(id, scope);
    const items = record.input.slice();
    if (order === 'desc') items.reverse();
    let start = 0;
    if (after !== undefined) {
      start = items.findIndex((item) => item.id === after) + 1;
      if (start === 0) throw new InvalidRequestError(`No input item with id ${quoteValue(after)} in response ${quoteValue(id)}.`, { param: 'after', code: 'invalid_value' });
    }
    const data = items.slice(start, start + limit);
    return {
      object: 'list' as const,
      data,
      first_id: data[0]?.id ?? null,
      last_id: data[data.length - 1]?.id ?? null,
      has_more: start + limit < items.length,
    };
  }

  /** A background response still running here, if the caller owns it (another principal sees no such response). */
  private liveRun(id: string, scope: RequestScope): BackgroundRun | undefined {
    const run = this.deps.background?.get(id);
    return run && storeCall(run.scope).owner === storeCall(scope).owner ? run : undefined;
  }

  private async find(id: string, scope: RequestScope): Promise<StoredTurn> {
    const record = await this.deps.store.get(storeCall(scope), id);
    if (!record) throw responseNotFound(id);
    return record;
  }

  private async prepare(body: unknown, scope: RequestScope, local?: LocalResponses): Promise<Prepared> {
    const request = validateBody(ResponsesRequestSchema, body);
    const route = this.deps.pipeline.route(request.model);
    let history: ConversationItem[] = [];
    let previous: StoredTurn | undefined;
    if (request.previous_response_id) {
      ({ items: history, previous } = await loadHistory(this.deps.store, scope, request.previous_response_id, local?.get(request.previous_response_id)));
    }
    const raw = this.deps.sealer && hasSealedCompaction(request.input) ? await expandCompactions(request.input, this.deps.sealer) : request.input;
    const input = normalizeInput(raw, history);
    const conversation = history.length > 0 ? [...history, ...input] : input;
    const canonical: CanonicalRequest = {
      model: route.providerModelId,
      instructions: request.instructions ?? null,
      input: conversation,
      tools: (request.tools ?? []).map((t) => ({ ...t, description: t.description ?? null, parameters: t.parameters ?? null, strict: t.strict ?? null })),
      tool_choice: request.tool_choice ?? 'auto',
      parallel_tool_calls: request.parallel_tool_calls ?? true,
      temperature: request.temperature ?? null,
      top_p: request.top_p ?? null,
      max_output_tokens: request.max_output_tokens ?? null,
      text: { format: request.text?.format ?? { type: 'text' } },
      reasoning: request.reasoning ? { effort: request.reasoning.effort ?? null, summary: request.reasoning.summary ?? null } : null,
      user: request.user ?? null,
    };
    const draft = new ResponseDraft(request, route.name, this.deps.now(), this.deps.now);
    const call = this.deps.pipeline.open('responses', scope, route, canonical, request.stream === true);
    return { request, call, input, previous, historyItems: history.length, history, draft, local };
  }

  private background(p: Prepared, scope: RequestScope): Response {
    if (!this.deps.background) throw new InvalidRequestError('Background responses are not enabled.', { param: 'background', code: 'unsupported_value' });
    if (p.request.store === false) throw new InvalidRequestError('Background responses must be stored: background needs store: true.', { param: 'store', code: 'invalid_value' });
    const { route, request } = p.call;
    return this.deps.background.start({ draft: p.draft, route, request, stream: p.request.stream === true, save: (response) => this.save(p, response, scope).then(() => undefined) }, scope);
  }

  private async generate(p: Prepared): Promise<Response> {
    const result = await this.deps.pipeline.generate(p.call);
    const response = p.draft.finish(result.status, toOutputItems(result.output, result.status), result.usage, {
      incomplete_reason: result.incomplete_reason,
    });
    // An answer that could not be stored is still the client's; the header says it cannot be continued.
    if (!(await this.save(p, response, p.call.scope))) (p.call.responseHeaders ??= []).push(STORE_FAILED);
    return this.deps.pipeline.json(p.call, response);
  }

  private async stream(p: Prepared): Promise<Response> {
    const events = await this.deps.pipeline.stream(p.call);
    const encoder = responsesStreamTransformer(p.draft, p.call, (response) => this.save(p, response, p.call.scope).then(() => undefined));
    return this.deps.pipeline.respond(p.call, transformPull(events, encoder));
  }

  /**
   * Stores the finished response (unless `store: false`). Never throws: the
   * client still gets its answer. Resolves false when storing failed.
   */
  private async save(p: Prepared, response: ResponseObject, scope: RequestScope): Promise<boolean> {
    const call = storeCall(scope);
    const turn: StoredTurn = {
      id: response.id,
      owner: call.owner,
      previousId: p.previous?.id ?? null,
      depth: (p.previous?.depth ?? 0) + 1,
      historyItems: p.historyItems,
      response,
      input: p.input,
    };
    if (p.local) p.local.put({ ...turn, history: p.history });
    if (!response.store) return true;
    try {
      await this.deps.store.create(call, turn);
      return true;
    } catch (error) {
      const reason = error instanceof StoreUnavailableError ? error.reason : undefined;
      this.deps.logger.error('failed to store response', { request_id: scope.id, ...traceFields(scope), response_id: response.id, backend: this.deps.store.backend, reason, error });
      return false;
    }
  }
}

/** On a non-streamed answer that could not be stored (a stream's headers are sent before it is stored: the log line says it). */
const STORE_FAILED: [string, string] = ['x-gateway-store', 'failed'];

/** WebSocket mode sends each event as the JSON text an SSE event carries as its data. */
function jsonText(_type: string, json: string): string {
  return json;
}

function responseNotFound(id: string): GatewayError {
  return new NotFoundError(`Response with id ${quoteValue(id)} not found.`, { param: 'response_id', code: 'response_not_found' });
}

function parseListQuery(query: URLSearchParams): { limit: number; order: 'asc' | 'desc'; after: string | undefined } {
  const rawLimit = query.get('limit');
  const limit = rawLimit === null ? 20 : Number(rawLimit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
    throw new InvalidRequestError(`Invalid value for 'limit': expected an integer from 1 to 100, got ${rawLimit === null ? 'null' : quoteValue(rawLimit)}.`, { param: 'limit', code: 'invalid_value' });
  }
  const order = query.get('order') ?? 'desc';
  if (order !== 'asc' && order !== 'desc') {
    throw new InvalidRequestError(`Invalid value for 'order': expected asc or desc, got ${quoteValue(order)}.`, { param: 'order', code: 'invalid_value' });
  }
  return { limit, order, after: query.get('after') ?? undefined };
}

