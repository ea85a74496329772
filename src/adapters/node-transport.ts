import { Agent as HttpAgent, request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { Readable } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import type { UpstreamFetch } from '../providers/http/upstream-exchange.ts';
import type { AbortSource } from '../core/cancellation.ts';
import { BODY_PULL, pullOf, streamOf, type Pull } from '../streaming/pull.ts';
import { BodyTooLargeError, type TextReadable } from '../providers/http/read-capped.ts';

/**
 * The Node adapter's transport for upstream requests: the subset of `fetch`
 * providers use (a POST with a string body, a streamed answer), on node:http
 * with keep-alive connection pools. Node 20's built-in fetch spends several
 * times the CPU per request of node:http (about 4,600 against 19,000
 * requests per second on one core in the same loop), which would make it
 * most of the gateway's own cost. Bun and Deno keep their native fetch.
 *
 * As with fetch on every runtime: an answer the upstream compressed anyway
 * (`gzip`, `deflate`, `br`) is decoded (no `accept-encoding` is sent, so
 * well-behaved upstreams do not compress), and a redirect is returned as the
 * 3xx answer it is, never followed (node:http does not follow; the exchange
 * refuses it). The keep-alive pools belong to the transport: `shutdown()`
 * closes their connections.
 */
export class NodeTransport {
  private readonly agents = {
    'http:': new HttpAgent({ keepAlive: true, keepAliveMsecs: 30_000, scheduling: 'lifo' }),
    'https:': new HttpsAgent({ keepAlive: true, keepAliveMsecs: 30_000, scheduling: 'lifo' }),
  };
  /** Parsed upstream URLs: a provider uses a handful, so parsing each once is enough. */
  private readonly targets = new Map<string, Target>();

  /** Closes the pooled connections; requests still in flight are cut. Safe to call more than once. */
  shutdown(): Promise<void> {
    this.agents['http:'].destroy();
    this.agents['https:'].destroy();
    return Promise.resolve();
  }

  readonly fetch: UpstreamFetch = (url, init) =>
    new Promise<Response>((resolve, reject) => {
      // The exchange's own cancellation when it has one: its AbortSignal is then never made.
      const signal = init.cancellation ?? init.signal;
      if (signal.aborted) {
        reject(signal.reason);
        return;
      }
      let to: Target;
      try {
        to = this.target(url);
      } catch (error) {
        reject(new TypeError('fetch failed', { cause: error }));
        return;
      }
      const body = typeof init.body === 'string' ? Buffer.from(init.body) : init.body;
      const send = to.protocol === 'https:' ? httpsRequest : httpRequest;
      const request = send({
        protocol: to.protocol,
        hostname: to.hostname,
        port: to.port,
        path: to.path,
        method: init.method,
        agent: this.agents[to.protocol],
        headers: { ...init.headers, 'content-length': body.byteLength },
      });
      const onAbort = new AbortExchange(request, signal);
      signal.addEventListener('abort', onAbort, { once: true });
      request.on('error', (error) => {
        signal.removeEventListener('abort', onAbort);
        reject(signal.aborted ? signal.reason : new TypeError('fetch failed', { cause: error }));
      });
      request.on('response', (res) => {
        onAbort.response = res;
        res.on('close', () => signal.removeEventListener('abort', onAbort));
        resolve(answerOf(res, signal));
      });
      request.end(body);
    });

  private target(url: string): Target {
    let found = this.targets.get(url);
    if (!found) {
      const parsed = new URL(url);
      if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new TypeError(`unsupported protocol ${parsed.protocol}`);
      found = { protocol: parsed.protocol, hostname: parsed.hostname.replace(/^\[|\]$/g, ''), port: parsed.port, path: parsed.pathname + parsed.search };
      if (this.targets.size >= MAX_CACHED_TARGETS) this.targets.clear();
      this.targets.set(url, found);
    }
    return found;
  }
}

/** Aborting the call destroys its request and answer; a listener object rather than a closure, which costs less per call. */
class AbortExchange {
  response: IncomingMessage | undefined;
  constructor(
    private readonly request: ClientRequest,
    private readonly signal: AbortSource,
  ) {}

  handleEvent(): void {
    const reason = this.signal.reason;
    this.request.destroy(reason instanceof Error ? reason : new DOMException('The operation was aborted.', 'AbortError'));
    this.response?.destroy();
  }
}

interface Target {
  protocol: 'http:' | 'https:';
  hostname: string;
  port: string;
  path: string;
}

const MAX_CACHED_TARGETS = 1_000;

/**
 * The answer's body with its `content-encoding` undone (codings applied in
 * order are undone in reverse); codings fetch does not know either pass
 * through as they are.
 */
function decoded(res: IncomingMessage): Readable {
  const header = res.headers['content-encoding'];
  if (!header) return res;
  let source: Readable = res;
  const codings = header.toLowerCase().split(',').map((c) => c.trim()).filter((c) => c !== '' && c !== 'identity').reverse();
  for (const coding of codings) {
    const decoder = coding === 'gzip' || coding === 'x-gzip' ? createGunzip() : coding === 'deflate' ? createInflate() : coding === 'br' ? createBrotliDecompress() : undefined;
    if (!decoder) return source;
    source = source.pipe(decoder);
  }
  return source;
}

/** Bytes a body holds unread before its socket is paused. */
const HIGH_WATER_BYTES = 64 * 1024;

/**
 * The answer as a Response whose body becomes a web stream only when someone
 * asks for `body`: a non-streamed answer is read by `readText` straight from
 * the socket (what the exchange uses, within its cap), which on Node 20 saves
 * a ReadableStream (its construction alone is several microseconds) and the
 * reads through it on every call. `text`, `json` and `arrayBuffer` read the
 * same way, so the answer still behaves like fetch's. The body must be read
 * (or `body` taken) as soon as the answer is handed over, as every caller does:
 * until then the socket is not read.
 */
function answerOf(res: IncomingMessage, signal: AbortSource): Response & TextReadable {
  const answer = new Response(null, { status: res.statusCode ?? 502, statusText: res.statusMessage ?? '' }) as SocketAnswer;
  answer[SOCKET] = { res, signal, source: undefined, stream: undefined, pulled: false, headers: undefined };
  Object.defineProperties(answer, ANSWER_PROPERTIES);
  return answer;
}

const SOCKET = Symbol('socket');

interface SocketState {
  readonly res: IncomingMessage;
  readonly signal: AbortSource;
  source: Readable | undefined;
  stream: ReadableStream<Uint8Array> | undefined;
  /** The body was handed over as a pull source. */
  pulled: boolean;
  /** The answer's headers as a Headers object, made when first asked for (only error answers are). */
  headers: Headers | undefined;
}

/** What `body` is once the body was taken as a pull source: a stream that cannot be read twice. */
function takenBody(): ReadableStream<Uint8Array> {
  return new ReadableStream({ start: (controller) => controller.error(new TypeError('Body is unusable: it has already been read')) });
}

type SocketAnswer = Response & TextReadable & { [SOCKET]: SocketState };

// Shared by every answer (they read their state from `this`), so that an answer costs no closures.
const ANSWER_PROPERTIES: PropertyDescriptorMap = {
  headers: {
    get(this: SocketAnswer) {
      const state = this[SOCKET];
      return (state.headers ??= headersOf(state.res));
    },
  },
  body: {
    get(this: SocketAnswer) {
      const state = this[SOCKET];
      return (state.stream ??= state.pulled ? takenBody() : bodyStream(state.res, state.signal, (state.source ??= decoded(state.res))));
    },
  },
  // The gateway's stream stages take the body as their pull source directly: no web stream is made.
  [BODY_PULL]: {
    value(this: SocketAnswer) {
      const state = this[SOCKET];
      if (state.stream) return pullOf(state.stream);
      state.pulled = true;
      return new NodeBody(state.res, state.signal, (state.source ??= decoded(state.res)));
    },
  },
  readText: {
    value(this: SocketAnswer, limit: number) {
      const state = this[SOCKET];
      return readSocket(state.res, (state.source ??= decoded(state.res)), state.signal, limit);
    },
  },
  text: {
    value(this: SocketAnswer) {
      return this.readText(Number.POSITIVE_INFINITY);
    },
  },
  json: {
    value(this: SocketAnswer) {
      return this.readText(Number.POSITIVE_INFINITY).then(JSON.parse);
    },
  },
  arrayBuffer: {
    value(this: SocketAnswer) {
      return this.readText(Number.POSITIVE_INFINITY).then((text) => new TextEncoder().encode(text).buffer);
    },
  },
};

/**
 * The whole body as text, at most `limit` bytes (decoded); past it the
 * connection is closed and BodyTooLargeError thrown. A declared
 * Content-Length over the limit (of an answer that is not compressed) is
 * refused before a byte is read. Failures are those of `bodyStream`.
 */
function readSocket(res: IncomingMessage, source: Readable, signal: AbortSource, limit: number): Promise<string> {
  return new Promise<string>((resolve, reject) => void new SocketText(res, source, signal, limit, resolve, reject));
}

/** The upstream closed the connection before the answer's end. */
function midAnswer(): TypeError {
  return new TypeError('terminated', { cause: new Error('the upstream closed the connection mid-answer') });
}

/**
 * One read of a whole answer (see readSocket). Its callbacks are methods
 * rather than closures named in a variable: the Node entry point runs through
 * tsx, whose function names (esbuild's keepNames) cost a defineProperty for
 * each such closure made, i.e. on every call.
 */
class SocketText {
  private open = true;
  private readonly chunks: Buffer[] = [];
  private total = 0;

  constructor(
    private readonly res: IncomingMessage,
    private readonly source: Readable,
    private readonly signal: AbortSource,
    private readonly limit: number,
    private readonly resolve: (text: string) => void,
    private readonly reject: (reason: unknown) => void,
  ) {
    const declared = res.headers['content-length'];
    if (source === res && declared !== undefined && Number(declared) > limit) {
      this.fail(new BodyTooLargeError(limit));
      return;
    }
    source.on('data', (chunk: Buffer) => this.data(chunk));
    source.on('end', () => this.end());
    source.on('error', (error: unknown) => this.broken(error));
    if (source !== res) res.on('error', (error: unknown) => this.broken(error));
    res.on('aborted', () => this.fail(midAnswer()));
    res.on('close', () => {
      if (!res.complete) this.fail(midAnswer());
    });
  }

  private data(chunk: Buffer): void {
    if (!this.open) return;
    this.total += chunk.byteLength;
    if (this.total > this.limit) this.fail(new BodyTooLargeError(this.limit));
    else this.chunks.push(chunk);
  }

  private end(): void {
    if (!this.open) return;
    this.open = false;
    const { chunks } = this;
    const text = (chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, this.total)).toString('utf8');
    // As TextDecoder (and fetch's text()) do: a byte-order mark is not part of the text.
    this.resolve(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  }

  private broken(error: unknown): void {
    this.fail(this.signal.aborted ? this.signal.reason : new TypeError('terminated', { cause: error }));
  }

  private fail(reason: unknown): void {
    if (!this.open) return;
    this.open = false;
    this.reject(reason);
    if (this.source !== this.res) this.source.destroy();
    this.res.destroy();
  }
}

/**
 * The answer's body as a web stream that carries its pull source (see
 * streaming/pull.ts): the gateway's stream stages take every chunk that has
 * arrived in one `next()`, with no web-stream hop, and the socket is paused
 * while 64 KiB wait unread. `source` is what carries the body's bytes: the
 * response itself, or the decoder of its content-encoding. Socket events can
 * still arrive after the consumer cancelled or the body ended, so each is
 * checked against the body's state: a late 'end' or 'data' never throws
 * inside the gateway.
 */
export function bodyStream(res: IncomingMessage, signal: AbortSource, source: Readable = res): ReadableStream<Uint8Array> {
  return streamOf(new NodeBody(res, signal, source));
}

type Waiter = { resolve: (chunks: Uint8Array[] | undefined) => void; reject: (reason: unknown) => void };

class NodeBody implements Pull<Uint8Array> {
  private queue: Uint8Array[] = [];
  private queued = 0;
  private state: 'open' | 'ended' | 'failed' | 'cancelled' = 'open';
  private failure: unknown;
  private waiter: Waiter | undefined;
  private paused = false;

  constructor(
    private readonly res: IncomingMessage,
    signal: AbortSource,
    private readonly source: Readable,
  ) {
    source.on('data', (chunk: Buffer) => this.onData(chunk));
    source.on('end', () => this.onEnd());
    source.on('error', (error) => this.fail(signal.aborted ? signal.reason : new TypeError('terminated', { cause: error })));
    if (source !== res) res.on('error', (error) => this.fail(signal.aborted ? signal.reason : new TypeError('terminated', { cause: error })));
    res.on('aborted', () => this.fail(midAnswer()));
    // Closed before 'end': the connection broke mid-answer.
    res.on('close', () => {
      if (!res.complete) this.fail(midAnswer());
    });
  }

  next(): Promise<Uint8Array[] | undefined> {
    if (this.queue.length > 0) return Promise.resolve(this.take());
    if (this.state === 'failed') return Promise.reject(this.failure);
    if (this.state !== 'open') return Promise.resolve(undefined);
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
    });
  }

  cancel(): Promise<void> {
    if (this.state === 'open') this.state = 'cancelled';
    this.queue = [];
    this.res.destroy();
    if (this.source !== this.res) this.source.destroy();
    this.wake();
    return Promise.resolve();
  }

  private take(): Uint8Array[] {
    const chunks = this.queue;
    this.queue = [];
    this.queued = 0;
    if (this.paused && this.state === 'open') {
      this.paused = false;
      this.source.resume();
    }
    return chunks;
  }

  private onData(chunk: Buffer): void {
    if (this.state !== 'open') return;
    this.queue.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    this.queued += chunk.byteLength;
    if (this.waiter) this.wake();
    else if (this.queued >= HIGH_WATER_BYTES && !this.paused) {
      this.paused = true;
      this.source.pause();
    }
  }

  private onEnd(): void {
    if (this.state !== 'open') return;
    this.state = 'ended';
    this.wake();
  }

  private fail(reason: unknown): void {
    if (this.state !== 'open') return;
    this.state = 'failed';
    this.failure = reason;
    this.queue = [];
    if (this.source !== this.res) {
      this.source.destroy();
      this.res.destroy();
    }
    this.wake();
  }

  /** Settles a waiting `next()` with what there is now. */
  private wake(): void {
    const waiter = this.waiter;
    if (!waiter) return;
    this.waiter = undefined;
    if (this.queue.length > 0) waiter.resolve(this.take());
    else if (this.state === 'failed') waiter.reject(this.failure);
    else if (this.state !== 'open') waiter.resolve(undefined);
    else this.waiter = waiter;
  }
}

function headersOf(res: IncomingMessage): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(res.headers)) {
    if (value === undefined) continue;
    headers.set(name, Array.isArray(value) ? value.join(', ') : value);
  }
  return headers;
}
