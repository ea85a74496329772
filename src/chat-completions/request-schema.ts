import * as v from 'valibot';
import { functionName, intRange, jsonObject, metadata, modelName, nullable, objectOf, positiveInt, range, text, unsupported } from '../http/request-fields.ts';

/**
 * The `POST /v1/chat/completions` body. Top-level keys are strict, as in the
 * Responses schema: a parameter the gateway does not know is a 400, and so is
 * one it cannot honour (`logprobs: true`, `n` > 1), never silently ignored;
 * null, OpenAI's "not set", is accepted for every optional one. Messages are
 * lenient about extra keys, so clients can send back what they received.
 */


const TextPart = v.object({ type: v.literal('text'), text });
const RefusalPart = v.object({ type: v.literal('refusal'), refusal: text });
const ImagePart = v.object({
  type: v.literal('image_url'),
  image_url: v.object({ url: text, detail: v.optional(v.picklist(['low', 'high', 'auto'], 'expected low, high or auto'), 'auto') }),
});
const FilePart = v.object({
  type: v.literal('file'),
  file: objectOf({ file_id: v.optional(text), file_data: v.optional(text), filename: v.optional(text) }),
});

const textContent = v.union([text, v.array(TextPart, 'expected a list of text parts')], 'expected a string or a list of text parts');

const ToolCall = v.object({
  id: text,
  type: v.literal('function'),
  function: v.object({ name: text, arguments: text }),
});

const Message = v.variant(
  'role',
  [
    v.object({ role: v.picklist(['system', 'developer']), content: textContent, name: v.optional(text) }),
    v.object({
      role: v.literal('user'),
      content: v.union(
        [text, v.array(v.variant('type', [TextPart, ImagePart, FilePart], 'expected a content part of type text, image_url or file'))],
        'expected a string or a list of content parts',
      ),
      name: v.optional(text),
    }),
    v.object({
      role: v.literal('assistant'),
      content: nullable(v.union([text, v.array(v.variant('type', [TextPart, RefusalPart], 'expected a content part of type text or refusal'))], 'expected a string or a list of content parts')),
      refusal: nullable(text),
      tool_calls: nullable(v.array(ToolCall, 'expected a list of tool calls')),
      name: v.optional(text),
    }),
    v.object({ role: v.literal('tool'), tool_call_id: text, content: textContent }),
  ],
  'expected a message with role system, developer, user, assistant or tool',
);

const Tool = v.object({
  type: v.literal('function', 'expected a tool of type function (other tool types are not supported)'),
  function: v.object({
    name: functionName,
    description: nullable(text),
    parameters: nullable(jsonObject),
    strict: nullable(v.boolean()),
  }),
});

const ToolChoice = v.union(
  [v.picklist(['auto', 'none', 'required']), v.object({ type: v.literal('function'), function: v.object({ name: text }) })],
  'expected "auto", "none", "required" or {"type":"function","function":{"name":...}}',
);

const ResponseFormat = v.variant(
  'type',
  [
    v.object({ type: v.literal('text') }),
    v.object({ type: v.literal('json_object') }),
    v.object({
      type: v.literal('json_schema'),
      json_schema: v.object({ name: text, schema: v.optional(jsonObject), strict: nullable(v.boolean()), description: v.optional(text) }),
    }),
  ],
  'expected a response format of type text, json_object or json_schema',
);


export const ChatRequestSchema = v.strictObject({
  model: modelName,
  messages: v.pipe(v.array(Message, 'expected a list of messages'), v.minLength(1, 'expected at least one message')),
  stream: nullable(v.boolean('expected true or false')),
  stream_options: nullable(objectOf({ include_usage: nullable(v.boolean('expected true or false')), include_obfuscation: nullable(v.boolean('expected true or false')) })),
  max_completion_tokens: nullable(positiveInt),
  /** The older name of max_completion_tokens. */
  max_tokens: nullable(positiveInt),
  temperature: nullable(range(0, 2)),
  top_p: nullable(range(0, 1)),
  stop: nullable(v.union([text, v.pipe(v.array(text), v.maxLength(4, 'expected at most 4 stop sequences'))], 'expected a string or a list of up to 4 strings')),
  tools: nullable(v.array(Tool, 'expected a list of tools')),
  tool_choice: nullable(ToolChoice),
  parallel_tool_calls: nullable(v.boolean('expected true or false')),
  response_format: nullable(ResponseFormat),
  // A number other than 1 is a value the gateway cannot serve (invalid_value), not a wrong type.
  n: nullable(v.pipe(v.number('expected a number'), v.value(1, 'expected 1 (one choice per request)'))),
  user: nullable(text),
  reasoning_effort: nullable(v.picklist(['minimal', 'low', 'medium', 'high'], 'expected minimal, low, medium or high')),
  // Accepted for compatibility with OpenAI clients; they do not change what the gateway does (nothing is stored).
  store: nullable(v.boolean('expected true or false')),
  metadata: nullable(metadata),
  service_tier: nullable(text),
  prompt_cache_key: nullable(text),
  safety_identifier: nullable(text),
  prompt_cache_retention: nullable(v.picklist(['in-memory', '24h'], 'expected in-memory or 24h')),
  verbosity: nullable(v.picklist(['low', 'medium', 'high'], 'expected low, medium or high')),
  // OpenAI's, with no equivalent here: null (or the neutral value) means not set, anything else is refused.
  logprobs: unsupported(v.boolean('expected true or false'), (on) => !on),
  top_logprobs: unsupported(intRange(0, 20), (n) => n === 0),
  frequency_penalty: unsupported(range(-2, 2), (n) => n === 0),
  presence_penalty: unsupported(range(-2, 2), (n) => n === 0),
  logit_bias: unsupported(v.pipe(jsonObject, v.record(v.string(), range(-100, 100))), (bias) => Object.keys(bias).length === 0),
  seed: unsupported(v.pipe(v.number('expected an integer'), v.integer('expected an integer'))),
  modalities: unsupported(v.array(v.picklist(['text', 'audio'], 'expected text or audio'), 'expected a list of modalities'), (m) => m.length === 1 && m[0] === 'text'),
  audio: unsupported(v.unknown()),
  prediction: unsupported(v.unknown()),
  web_search_options: unsupported(v.unknown()),
});

export type ChatRequest = v.InferOutput<typeof ChatRequestSchema>;
export type ChatRequestMessage = ChatRequest['messages'][number];
