import type { ProviderOutput } from '../providers/provider.ts';
import type { ResponsesRequest } from './request-schema.ts';
import { newId } from './ids.ts';
import type { IncompleteReason, OutputItem, ResponseError, ResponseObject, ResponseStatus, TextFormat, Usage } from '../canonical/types.ts';

/**
 * A response being produced: the fields known from the request (id, echoes of
 * the request's parameters) and, once the provider is done, the final object.
 * Every field the OpenAI API reference and the Open Responses specification
 * require is present, `null` where empty, and the sampling values are the
 * effective ones (the API's defaults where the client set none), because
 * strict clients and validators reject anything less.
 */
export class ResponseDraft {
  readonly id = newId('resp');
  private readonly base: ResponseObject;

  constructor(
    request: ResponsesRequest,
    model: string,
    createdAt: number,
    /** Clock in milliseconds since the epoch, for `completed_at`. */
    private readonly now: () => number = Date.now,
  ) {
    this.base = {
      id: this.id,
      object: 'response',
      created_at: Math.floor(createdAt / 1000),
      completed_at: null,
      status: 'in_progress',
      background: request.background ?? false,
      conversation: null,
      error: null,
      incomplete_details: null,
      instructions: request.instructions ?? null,
      max_output_tokens: request.max_output_tokens ?? null,
      max_tool_calls: request.max_tool_calls ?? null,
      model,
      output: [],
      parallel_tool_calls: request.parallel_tool_calls ?? true,
      previous_response_id: request.previous_response_id ?? null,
      prompt: null,
      prompt_cache_key: request.prompt_cache_key ?? null,
      prompt_cache_retention: request.prompt_cache_retention ?? null,
      reasoning: { effort: request.reasoning?.effort ?? null, summary: request.reasoning?.summary ?? null },
      safety_identifier: request.safety_identifier ?? null,
      // The tier that served the request: the gateway has one.
      service_tier: 'default',
      store: request.store ?? true,
      temperature: request.temperature ?? 1,
      top_p: request.top_p ?? 1,
      // Not request parameters of the Responses API: their neutral values, which is what was used.
      presence_penalty: 0,
      frequency_penalty: 0,
      top_logprobs: request.top_logprobs ?? 0,
      text: { format: echoFormat(request.text?.format), verbosity: request.text?.verbosity ?? 'medium' },
      tool_choice: request.tool_choice ?? 'auto',
      tools: (request.tools ?? []).map((t) => ({
        type: 'function',
        name: t.name,
        description: t.description ?? null,
        parameters: t.parameters ?? null,
        strict: t.strict ?? true,
      })),
      truncation: request.truncation ?? 'disabled',
      usage: null,
      user: request.user ?? null,
      metadata: request.metadata ?? {},
    };
  }

  /** The response as announced at the start of a stream. */
  inProgress(): ResponseObject {
    return { ...this.base };
  }

  finish(
    status: Exclude<ResponseStatus, 'in_progress' | 'queued'>,
    output: OutputItem[],
    usage: Usage | null,
    details: { incomplete_reason?: IncompleteReason | undefined; error?: ResponseError } = {},
  ): ResponseObject {
    return {
      ...this.base,
      status,
      completed_at: status === 'completed' ? Math.floor(this.now() / 1000) : null,
      output,
      usage,
      error: details.error ?? null,
      incomplete_details: status === 'incomplete' ? { reason: details.incomplete_reason ?? 'max_output_tokens' } : null,
    };
  }
}

/** The text format as the API reports it: a JSON schema format with its optional fields filled in. */
function echoFormat(format: TextFormat | null | undefined): TextFormat {
  if (!format) return { type: 'text' };
  if (format.type !== 'json_schema') return format;
  return { type: 'json_schema', name: format.name, schema: format.schema, description: format.description ?? null, strict: format.strict ?? false };
}

/** Gives a provider's finished output items their ids and Responses API shape. */
export function toOutputItems(output: readonly ProviderOutput[], status: 'completed' | 'incomplete'): OutputItem[] {
  return output.map((item): OutputItem => {
    switch (item.type) {
      case 'message':
        return {
          type: 'message',
          id: newId('msg'),
          role: 'assistant',
          status,
          content: [{ type: 'output_text', text: item.text, annotations: [] }],
        };
      case 'function_call':
        return {
          type: 'function_call',
          id: newId('fc'),
          call_id: item.call_id,
          name: item.name,
          arguments: item.arguments,
          status: 'completed',
        };
      case 'reasoning':
        return { type: 'reasoning', id: newId('rs'), summary: item.text ? [{ type: 'summary_text', text: item.text }] : [] };
    }
  });
}
