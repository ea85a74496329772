/** What a fake upstream answers to one request, in protocol-neutral terms; each wire/ module renders it. */
export type Reply =
  | {
      kind: 'text';
      /** The text, as the deltas of a stream. */
      chunks: string[];
      /** Thinking before the text (Anthropic thinking, Gemini thought parts, Responses reasoning summary). */
      reasoning?: string[];
      /** `length`: the token limit cut the answer. */
      finish?: 'stop' | 'length';
    }
  | {
      kind: 'tool_call';
      name: string;
      /** The arguments JSON, as the deltas of a stream. */
      args: string[];
      call_id?: string;
    }
  | {
      /**
       * A misbehaving upstream: the test writes the HTTP answer itself (redirects,
       * wrong shapes, oversized bodies, comment-only streams, gzip, resets).
       */
      kind: 'raw';
      respond: (res: import('node:http').ServerResponse, request: { body: any; headers: Record<string, string>; path: string }) => void | Promise<void>;
    }
  | {
      kind: 'error';
      status: number;
      /** Overrides the protocol's error body. */
      body?: unknown;
      message?: string;
      headers?: Record<string, string>;
    };

export interface Timing {
  /** Delay before the status line and headers. */
  ttfbMs?: number;
  /** Delay before each content event of a stream. */
  chunkDelayMs?: number;
  /** After this many content events, send the protocol's error event and end the stream. */
  failAfter?: number;
  /** After this many content events, send nothing more (the connection stays open). */
  stallAfter?: number;
  /** After this many content events, destroy the connection. */
  resetAfter?: number;
}

export type Script = Reply & Timing & { usage?: { input: number; output: number } };

export const DEFAULT_USAGE = { input: 11, output: 7 };

/** A stream as a protocol renders it: opening events, one event per content delta, closing events. */
export interface RenderedStream {
  head: string[];
  body: string[];
  tail: string[];
  /** The protocol's way to report a failure mid-stream. */
  failure: string;
}

/** What a wire module knows about one request, beyond its script. */
export interface RenderContext {
  model: string;
  /** Chat Completions: whether the client asked for the usage chunk. */
  includeUsage: boolean;
}

/** One protocol's rendering of scripts. */
export interface WireProtocol {
  json(script: Script, context: RenderContext): unknown;
  stream(script: Script, context: RenderContext): RenderedStream;
  /** The protocol's answer to its token-counting endpoint, where it has one. */
  count?(body: any): unknown;
  /** The protocol's error body for a status. */
  error(status: number, message: string): unknown;
}

export function sse(data: unknown, event?: string): string {
  return `${event ? `event: ${event}\n` : ''}data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`;
}

export function usageOf(script: Script): { input: number; output: number } {
  return script.usage ?? DEFAULT_USAGE;
}

/** Keys whose values are names, not text a tokenizer would bill. */
const NOT_TEXT = new Set(['model', 'type', 'role', 'id', 'call_id', 'tool_use_id', 'detail', 'mimeType']);

/**
 * How many tokens the fake's counting endpoints say a request holds: the
 * whitespace-separated words of every string in it, names left out. Not a
 * real tokenizer, but a number that follows the request, so a test can tell
 * which request was counted.
 */
export function fakeTokenCount(value: unknown, key?: string): number {
  if (typeof value === 'string') return key !== undefined && NOT_TEXT.has(key) ? 0 : value.split(/\s+/).filter((w) => w.length > 0).length;
  if (Array.isArray(value)) return value.reduce((n: number, v) => n + fakeTokenCount(v), 0);
  if (value && typeof value === 'object') return Object.entries(value).reduce((n, [k, v]) => n + fakeTokenCount(v, k), 0);
  return 0;
}
