import * as v from 'valibot';
import { functionName, intRange, jsonObject, metadata, modelName, nullable, objectOf, positiveInt, range, text, unsupported } from '../http/request-fields.ts';

/**
 * The `POST /v1/responses` body. Top-level keys are strict, as OpenAI's are
 * (a misspelt parameter is an error, not silently ignored). Items are lenient
 * about extra keys so a client can send a previous response's output items back
 * as input unchanged.
 */


/** The longest `encrypted_content` of a compaction item accepted (the gateway's own are far shorter). */
const MAX_ENCRYPTED_CONTENT = 1_048_576;

const InputText = v.object({ type: v.literal('input_text'), text });
const InputImage = v.object({
  type: v.literal('input_image'),
  image_url: nullable(text),
  file_id: nullable(text),
  detail: v.optional(v.picklist(['low', 'high', 'auto'], 'expected low, high or auto'), 'auto'),
});
const InputFile = v.object({
  type: v.literal('input_file'),
  file_id: nullable(text),
  file_data: v.optional(text),
  file_url: v.optional(text),
  filename: v.optional(text),
});
const OutputText = v.object({ type: v.literal('output_text'), text, annotations: v.optional(v.array(v.unknown()), []) });
const Refusal = v.object({ type: v.literal('refusal'), refusal: text });

const Part = v.variant(
  'type',
  [InputText, InputImage, InputFile, OutputText, Refusal],
  'expected a content part of type input_text, input_image, input_file, output_text or refusal',
);

const Message = v.object({
  type: v.literal('message'),
  id: v.optional(text),
  role: v.picklist(['user', 'assistant', 'system', 'developer'], 'expected user, assistant, system or developer'),
  content: v.union([text, v.array(Part)], 'expected a string or a list of content parts'),
  status: v.optional(v.picklist(['in_progress', 'completed', 'incomplete'])),
});

const FunctionCall = v.object({
  type: v.literal('function_call'),
  id: v.optional(text),
  call_id: text,
  name: text,
  arguments: text,
  status: v.optional(v.picklist(['in_progress', 'completed', 'incomplete'])),
});

const FunctionCallOutput = v.object({
  type: v.literal('function_call_output'),
  id: v.optional(nullable(text)),
  call_id: text,
  output: v.union([text, v.array(Part)], 'expected a string or a list of content parts'),
  status: v.optional(nullable(v.picklist(['in_progress', 'completed', 'incomplete']))),
});

const ItemReference = v.object({ type: v.literal('item_reference'), id: text });

const Reasoning = v.object({
  type: v.literal('reasoning'),
  id: text,
  summary: v.array(v.object({ type: v.literal('summary_text'), text })),
  encrypted_content: v.optional(v.nullable(text)),
});

/** A compaction item given back: the gateway's own (sealed) or an upstream's. */
const Compaction = v.object({
  type: v.literal('compaction'),
  id: v.optional(nullable(text)),
  encrypted_content: v.pipe(text, v.nonEmpty('expected the encrypted content of a compaction item'), v.maxLength(MAX_ENCRYPTED_CONTENT, `expected at most ${MAX_ENCRYPTED_CONTENT} characters`)),
});

const Item = v.pipe(
  v.unknown(),
  // `{role, content}` without a type is a message, as in OpenAI's API.
  v.transform((item) =>
    item && typeof item === 'object' && !('type' in item) && 'role' in item ? { ...item, type: 'message' } : item,
  ),
  v.variant(
    'type',
    [Message, FunctionCall, FunctionCallOutput, ItemReference, Reasoning, Compaction],
    'expected an item of type message, function_call, function_call_output, item_reference, reasoning or compaction',
  ),
);

const FunctionToolSchema = v.object({
  type: v.literal('function'),
  name: functionName,
  description: nullable(text),
  parameters: nullable(jsonObject),
  strict: nullable(v.boolean()),
});

const Tool = v.variant('type', [FunctionToolSchema], 'expected a tool of type function (other tool types are not supported)');

const ToolChoiceSchema = v.union(
  [v.picklist(['auto', 'none', 'required']), v.object({ type: v.literal('function'), name: text })],
  'expected "auto", "none", "required" or {"type":"function","name":...}',
);

const TextFormatSchema = v.variant(
  'type',
  [
    v.object({ type: v.literal('text') }),
    v.object({ type: v.literal('json_object') }),
    v.object({
      type: v.literal('json_schema'),
      name: text,
      schema: jsonObject,
      description: v.optional(text),
      strict: nullable(v.boolean()),
    }),
  ],
  'expected a format of type text, json_schema or json_object',
);



export const ResponsesRequestSchema = v.strictObject({
  model: modelName,
  input: v.union([text, v.array(Item, 'expected a list of input items')], 'expected a string or a list of input items'),
  instructions: nullable(text),
  previous_response_id: nullable(v.pipe(text, v.nonEmpty('expected a response id'))),
  stream: nullable(v.boolean('expected true or false')),
  store: nullable(v.boolean('expected true or false')),
  background: nullable(v.boolean('expected true or false')),
  temperature: nullable(range(0, 2)),
  top_p: nullable(range(0, 1)),
  max_output_tokens: nullable(positiveInt),
  max_tool_calls: nullable(positiveInt),
  tools: nullable(v.array(Tool, 'expected a list of tools')),
  tool_choice: nullable(ToolChoiceSchema),
  parallel_tool_calls: nullable(v.boolean('expected true or false')),
  metadata: nullable(metadata),
  user: nullable(text),
  text: nullable(objectOf({ format: nullable(TextFormatSchema), verbosity: nullable(v.picklist(['low', 'medium', 'high'], 'expected low, medium or high')) })),
  reasoning: nullable(
    objectOf({
      effort: nullable(v.picklist(['minimal', 'low', 'medium', 'high'], 'expected minimal, low, medium or high')),
      summary: nullable(v.picklist(['auto', 'concise', 'detailed'], 'expected auto, concise or detailed')),
    }),
  ),
  truncation: nullable(v.picklist(['auto', 'disabled'], 'expected auto or disabled')),
  // Accepted for compatibility with OpenAI clients; they do not change what the gateway does.
  include: nullable(v.array(text)),
  stream_options: nullable(objectOf({ include_obfuscation: nullable(v.boolean('expected true or false')) })),
  service_tier: nullable(text),
  prompt_cache_key: nullable(text),
  safety_identifier: nullable(text),
  prompt_cache_retention: nullable(v.picklist(['in-memory', '24h'], 'expected in-memory or 24h')),
  top_logprobs: nullable(intRange(0, 20)),
  // OpenAI's, with no equivalent here: null means not set.
  conversation: unsupported(v.unknown()),
  prompt: unsupported(v.unknown()),
  context_management: unsupported(v.unknown()),
});

export type ResponsesRequest = v.InferOutput<typeof ResponsesRequestSchema>;

/** The `POST /v1/responses/compact` body (OpenAI's `ResponseCompactParams`). */
export const CompactRequestSchema = v.strictObject({
  model: modelName,
  input: nullable(v.union([text, v.array(Item, 'expected a list of input items')], 'expected a string or a list of input items')),
  instructions: nullable(text),
  previous_response_id: nullable(v.pipe(text, v.nonEmpty('expected a response id'))),
  prompt_cache_key: nullable(text),
});

export type CompactRequest = v.InferOutput<typeof CompactRequestSchema>;
export type RequestItem = v.InferOutput<typeof Item>;
export type RequestPart = v.InferOutput<typeof Part>;
