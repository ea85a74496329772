import type { ProviderOutput } from '../providers/provider.ts';
import type { ResponsesRequest } from './request-schema.ts';
import { newId } from './ids.ts';
import type { IncompleteReason, OutputItem, ResponseError, ResponseObject, ResponseStatus, Usage } from '../canonical/types.ts';

/**
 * A response being produced: the fields known from the request (id, echoes of
 * the request's parameters) and, once the provider is done, the final object.
 * Every field of the Responses API object is present, `null` where empty,
 * because strict clients expect them.
 */
export class ResponseDraft {
  readonly id = newId('resp');
  private readonly base: ResponseObject;

  constructor(request: ResponsesRequest, model: string, createdAt: number) {
    this.base = {
      id: this.id,
      object: 'response',
      created_at: Math.floor(createdAt / 1000),
      status: 'in_progress',
      background: request.background ?? false,
      error: null,
      incomplete_details: null,
      instructions: request.instructions ?? null,
      max_output_tokens: request.max_output_tokens ?? null,
      max_tool_calls: request.max_tool_calls ?? null,
      model,
      output: [],
      parallel_tool_calls: request.parallel_tool_calls ?? true,
      previous_response_id: request.previous_response_id ?? null,
      reasoning: { effort: request.reasoning?.effort ?? null, summary: request.reasoning?.summary ?? null },
      service_tier: 'default',
      store: request.store ?? true,
      temperature: request.temperature ?? null,
      text: { format: request.text?.format ?? { type: 'text' } },
      tool_choice: request.tool_choice ?? 'auto',
      tools: (request.tools ?? []).map((t) => ({
        type: 'function',
        name: t.name,
        description: t.description ?? null,
        parameters: t.parameters ?? null,
        strict: t.strict ?? true,
      })),
      top_p: request.top_p ?? null,
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
      output,
      usage,
      error: details.error ?? null,
      incomplete_details: status === 'incomplete' ? { reason: details.incomplete_reason ?? 'max_output_tokens' } : null,
    };
  }
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
