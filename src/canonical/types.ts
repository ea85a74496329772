/**
 * The OpenAI Responses API objects the gateway produces and stores. They are
 * also the canonical model: providers translate from and to these shapes.
 */

export interface InputTextPart { type: 'input_text'; text: string }
export interface InputImagePart { type: 'input_image'; image_url?: string | null; file_id?: string | null; detail: 'low' | 'high' | 'auto' }
export interface InputFilePart { type: 'input_file'; file_id?: string | null; file_data?: string; file_url?: string; filename?: string }
export interface OutputTextPart { type: 'output_text'; text: string; annotations: unknown[] }
export interface RefusalPart { type: 'refusal'; refusal: string }
export type ContentPart = InputTextPart | InputImagePart | InputFilePart | OutputTextPart | RefusalPart;

export type Role = 'user' | 'assistant' | 'system' | 'developer';
export type ItemStatus = 'in_progress' | 'completed' | 'incomplete';

export interface MessageItem {
  type: 'message';
  id: string;
  role: Role;
  status: ItemStatus;
  content: ContentPart[];
}

export interface FunctionCallItem {
  type: 'function_call';
  id: string;
  call_id: string;
  name: string;
  arguments: string;
  status: ItemStatus;
}

export interface FunctionCallOutputItem {
  type: 'function_call_output';
  id: string;
  call_id: string;
  output: string | ContentPart[];
  status: ItemStatus;
}

export interface ReasoningItem {
  type: 'reasoning';
  id: string;
  summary: { type: 'summary_text'; text: string }[];
  encrypted_content?: string | null;
}

/**
 * A compaction item an upstream made (`POST /v1/responses/compact` passed
 * through): its content is the upstream's, opaque here. The gateway's own
 * compaction items never get this far: they are opened and expanded into a
 * message when they come back as input.
 */
export interface CompactionItem {
  type: 'compaction';
  id: string;
  encrypted_content: string;
}

/** An item of a conversation: what a client sent or what a model produced. */
export type ConversationItem = MessageItem | FunctionCallItem | FunctionCallOutputItem | ReasoningItem | CompactionItem;
export type OutputItem = MessageItem | FunctionCallItem | ReasoningItem;

export interface Usage {
  input_tokens: number;
  input_tokens_details: { cached_tokens: number };
  output_tokens: number;
  output_tokens_details: { reasoning_tokens: number };
  total_tokens: number;
}

export interface FunctionTool {
  type: 'function';
  name: string;
  description?: string | null;
  parameters?: Record<string, unknown> | null;
  strict?: boolean | null;
}

export type ToolChoice = 'auto' | 'none' | 'required' | { type: 'function'; name: string };

export type TextFormat =
  | { type: 'text' }
  | { type: 'json_object' }
  | { type: 'json_schema'; name: string; schema: Record<string, unknown>; description?: string | null; strict?: boolean | null };

export interface ResponseError { code: string; message: string }
export type ResponseStatus = 'completed' | 'failed' | 'in_progress' | 'cancelled' | 'queued' | 'incomplete';
export type IncompleteReason = 'max_output_tokens' | 'content_filter';

export interface ResponseObject {
  id: string;
  object: 'response';
  created_at: number;
  /** Unix seconds when the response completed; null until then, and for one that did not. */
  completed_at: number | null;
  status: ResponseStatus;
  background: boolean;
  conversation: { id: string } | null;
  error: ResponseError | null;
  incomplete_details: { reason: IncompleteReason } | null;
  instructions: string | null;
  max_output_tokens: number | null;
  max_tool_calls: number | null;
  model: string;
  output: OutputItem[];
  parallel_tool_calls: boolean;
  previous_response_id: string | null;
  prompt: { id: string; version?: string | null; variables?: Record<string, unknown> | null } | null;
  prompt_cache_key: string | null;
  prompt_cache_retention: 'in-memory' | '24h' | null;
  reasoning: { effort: string | null; summary: string | null };
  safety_identifier: string | null;
  service_tier: string;
  store: boolean;
  /** The effective sampling values: what the client set, else the API's defaults. */
  temperature: number;
  top_p: number;
  presence_penalty: number;
  frequency_penalty: number;
  top_logprobs: number;
  text: { format: TextFormat; verbosity: 'low' | 'medium' | 'high' };
  tool_choice: ToolChoice;
  tools: FunctionTool[];
  truncation: 'auto' | 'disabled';
  usage: Usage | null;
  user: string | null;
  metadata: Record<string, string>;
}

export function makeUsage(input: number, output: number, cached = 0, reasoning = 0): Usage {
  return {
    input_tokens: input,
    input_tokens_details: { cached_tokens: cached },
    output_tokens: output,
    output_tokens_details: { reasoning_tokens: reasoning },
    total_tokens: input + output,
  };
}
