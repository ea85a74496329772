/** The parts of an OpenAI Responses answer the gateway reads (field names as in the openai SDK's types). */

export interface ResponsesUsage {
  input_tokens: number;
  input_tokens_details?: { cached_tokens?: number } | null;
  output_tokens: number;
  output_tokens_details?: { reasoning_tokens?: number } | null;
}

export type ResponsesOutputItem =
  | { type: 'message'; status?: string; content: ({ type: 'output_text'; text: string } | { type: 'refusal'; refusal: string })[] }
  | { type: 'function_call'; call_id: string; name: string; arguments: string; status?: string }
  | { type: 'reasoning'; summary?: { text: string }[] }
  | { type: string };

export interface ResponsesAnswer {
  status: string;
  model: string;
  output: ResponsesOutputItem[];
  usage?: ResponsesUsage | null;
  error?: { code?: string; message?: string } | null;
  incomplete_details?: { reason?: string } | null;
}
