import type { ConversationItem, FunctionTool, TextFormat, ToolChoice } from './types.ts';

/**
 * What a provider is asked to do, in the Responses API's terms. The gateway has
 * already resolved the model, rebuilt the conversation for
 * `previous_response_id` and normalised the input; a provider only translates.
 */
export interface CanonicalRequest {
  /** Model id as the upstream knows it (`provider_model_id`). */
  model: string;
  instructions: string | null;
  /** Earlier turns (input then output, per turn) followed by this turn's input. */
  input: ConversationItem[];
  tools: FunctionTool[];
  tool_choice: ToolChoice;
  parallel_tool_calls: boolean;
  temperature: number | null;
  top_p: number | null;
  max_output_tokens: number | null;
  /** Stop sequences (Chat Completions clients send them; the Responses API has none). */
  stop?: readonly string[];
  text: { format: TextFormat };
  reasoning: { effort: string | null; summary: string | null } | null;
  user: string | null;
  /**
   * Set on a compaction call (`POST /v1/responses/compact`): the request
   * itself asks the model for a summary of the window (its instructions say
   * so and its input ends with the ask), which is what every provider answers.
   * A provider with its own compaction endpoint uses these instead: the
   * client's instructions and the window as the client sent it.
   */
  compact?: { instructions: string | null; input: ConversationItem[] };
}
