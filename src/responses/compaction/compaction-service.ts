import { loadHistory } from '../load-history.ts';
import type { CanonicalRequest } from '../../canonical/canonical-request.ts';
import type { ConversationItem, MessageItem, OutputItem, Usage } from '../../canonical/types.ts';
import type { ConversationStore } from '../../conversation/store.ts';
import { jsonResponse } from '../../core/json-response.ts';
import type { RequestScope } from '../../core/request-scope.ts';
import { InvalidRequestError } from '../../errors/gateway-error.ts';
import { quoteValue } from '../../errors/quote-value.ts';
import { validateBody } from '../../http/validate-body.ts';
import type { ModelPipeline } from '../../pipeline/model-pipeline.ts';
import { newId } from '../ids.ts';
import { normalizeInput } from '../normalize-input.ts';
import { CompactRequestSchema } from '../request-schema.ts';
import type { CompactionSealer } from './compaction-sealer.ts';
import { expandCompactions, hasSealedCompaction } from './expand-compactions.ts';

/** What the model is told on a compaction call (providers without their own compaction). */
export const SUMMARY_INSTRUCTIONS =
  'You compact conversations. Write a summary of the conversation so far that lets it continue without the original: ' +
  "the user's goals and constraints, facts and decisions established, tool calls made and their results, open questions, " +
  'and what was about to happen next. Write only the summary.';
const SUMMARY_ASK = 'Summarise the conversation so far, as instructed.';
/** The summary's length limit on the model call. */
const SUMMARY_MAX_TOKENS = 4096;

export interface CompactedObject {
  id: string;
  object: 'response.compaction';
  created_at: number;
  output: (OutputItem | MessageItem | { type: 'compaction'; id: string; encrypted_content: string })[];
  usage: Usage;
}

export interface CompactionServiceDeps {
  pipeline: ModelPipeline;
  store: ConversationStore;
  sealer: CompactionSealer;
  now: () => number;
}

/**
 * `POST /v1/responses/compact`: one model call through the pipeline (hooks,
 * metrics, logs as any call). A provider with its own compaction answers
 * with its item, passed on; any other is asked for a summary of the window,
 * which the gateway seals into its own `compaction` item. The answer lists
 * the window's user messages, then the one compaction item, as OpenAI's does.
 */
export class CompactionService {
  constructor(private readonly deps: CompactionServiceDeps) {}

  async create(body: unknown, scope: RequestScope): Promise<Response> {
    return jsonResponse(await this.compact(body, scope));
  }

  async compact(body: unknown, scope: RequestScope): Promise<CompactedObject> {
    const request = validateBody(CompactRequestSchema, body);
    const route = this.deps.pipeline.route(request.model);
    let history: ConversationItem[] = [];
    if (request.previous_response_id) {
      history = (await loadHistory(this.deps.store, scope, request.previous_response_id)).items;
    }
    let input = request.input ?? [];
    if (hasSealedCompaction(input)) input = await expandCompactions(input, this.deps.sealer);
    const window = [...history, ...normalizeInput(input, history)];
    if (window.length === 0) throw new InvalidRequestError('There is nothing to compact: give input or previous_response_id.', { param: 'input', code: 'invalid_value' });
    const ask: MessageItem = { type: 'message', id: newId('msg'), role: 'user', status: 'completed', content: [{ type: 'input_text', text: SUMMARY_ASK }] };
    const canonical: CanonicalRequest = {
      model: route.providerModelId,
      instructions: request.instructions ? `${SUMMARY_INSTRUCTIONS}\n\nThe conversation ran under these instructions:\n${request.instructions}` : SUMMARY_INSTRUCTIONS,
      input: [...asTranscript(window), ask],
      tools: [],
      tool_choice: 'none',
      parallel_tool_calls: false,
      temperature: null,
      top_p: null,
      max_output_tokens: SUMMARY_MAX_TOKENS,
      text: { format: { type: 'text' } },
      reasoning: null,
      user: null,
      compact: { instructions: request.instructions ?? null, input: window },
    };
    const call = this.deps.pipeline.open('responses', scope, route, canonical, false);
    const result = await this.deps.pipeline.generate(call);
    let item: { type: 'compaction'; id: string; encrypted_content: string };
    if (result.compaction) {
      item = { type: 'compaction', id: result.compaction.id || newId('cmp'), encrypted_content: result.compaction.encrypted_content };
    } else {
      let summary = '';
      for (const out of result.output) if (out.type === 'message') summary += out.text;
      item = { type: 'compaction', id: newId('cmp'), encrypted_content: await this.deps.sealer.seal(summary) };
    }
    const output: CompactedObject['output'] = [];
    for (const entry of window) if (entry.type === 'message' && entry.role === 'user') output.push(entry);
    output.push(item);
    return { id: newId('resp'), object: 'response.compaction', created_at: Math.floor(this.deps.now() / 1000), output, usage: result.usage };
  }
}

/**
 * The window as the summarising call sends it: tool calls and their results
 * as plain text, because the call declares no tools (and some providers
 * refuse tool turns without the tools declared); reasoning is left out.
 */
function asTranscript(window: readonly ConversationItem[]): ConversationItem[] {
  const out: ConversationItem[] = [];
  for (const item of window) {
    if (item.type === 'function_call') {
      out.push({ type: 'message', id: item.id, role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: `[called ${item.name} with ${item.arguments}]`, annotations: [] }] });
    } else if (item.type === 'function_call_output') {
      const result = typeof item.output === 'string' ? item.output : item.output.map((part) => ('text' in part ? part.text : '')).join('');
      out.push({ type: 'message', id: item.id, role: 'user', status: 'completed', content: [{ type: 'input_text', text: `[result of ${item.call_id}: ${result}]` }] });
    } else if (item.type !== 'reasoning') out.push(item);
  }
  return out;
}
