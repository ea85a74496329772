/** The parts of the Anthropic Messages wire format the gateway writes and reads (field names as in @anthropic-ai/sdk). */

export type AnthropicImageSource = { type: 'base64'; media_type: string; data: string } | { type: 'url'; url: string };

export type AnthropicBlock =
  | { type: 'text'; text: string }
  | { type: 'image'; source: AnthropicImageSource }
  | { type: 'document'; source: AnthropicImageSource }
  | { type: 'tool_use'; id: string; name: string; input: Record<string, unknown> }
  | { type: 'tool_result'; tool_use_id: string; content: string | AnthropicBlock[] }
  | { type: 'thinking'; thinking: string; signature?: string };

export interface AnthropicMessage {
  role: 'user' | 'assistant';
  content: AnthropicBlock[];
}

export interface AnthropicUsage {
  input_tokens?: number | null;
  output_tokens?: number | null;
  cache_creation_input_tokens?: number | null;
  cache_read_input_tokens?: number | null;
}

export interface AnthropicAnswer {
  id: string;
  type: 'message';
  role: 'assistant';
  model: string;
  content: ({ type: string; text?: string; id?: string; name?: string; input?: unknown; thinking?: string })[];
  stop_reason: string | null;
  usage: AnthropicUsage;
}
