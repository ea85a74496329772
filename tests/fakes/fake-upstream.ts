import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RenderContext, Script, WireProtocol } from './script.ts';
import { anthropicWire } from './wire/anthropic-wire.ts';
import { chatCompletionsWire } from './wire/chat-completions-wire.ts';
import { geminiWire } from './wire/gemini-wire.ts';
import { compactedResponse, openAIResponsesWire } from './wire/openai-responses-wire.ts';

/** A request as the fake upstream received it. */
export interface RecordedRequest {
  method: string;
  /** Path and query string. */
  path: string;
  /** Header names in lower case. */
  headers: Record<string, string>;
  body: any;
  /** The model the request addressed (from the body, or the path for Gemini and Azure deployments). */
  model: string;
  protocol: ProtocolName;
  /** Set when the client closed the connection before the answer was complete. */
  closedEarly: boolean;
}

export type ProtocolName = 'openai-responses' | 'chat-completions' | 'anthropic' | 'gemini';

const PROTOCOLS: Record<ProtocolName, WireProtocol> = {
  'openai-responses': openAIResponsesWire,
  'chat-completions': chatCompletionsWire,
  anthropic: anthropicWire,
  gemini: geminiWire,
};

type ScriptSource = Script | Script[] | ((request: RecordedRequest) => Script);

const DEFAULT_SCRIPT: Script = { kind: 'text', chunks: ['Hello', ' from', ' the', ' fake'] };

/**
 * A real HTTP server (node:http, port 0) that speaks OpenAI Responses, Chat
 * Completions (also on Azure's deployment paths), Anthropic Messages and
 * Gemini, each on its own paths, exactly as those APIs frame JSON, SSE and
 * errors, and their token-counting endpoints (`/responses/input_tokens`,
 * `/v1/messages/count_tokens`, `:countTokens`; see fakeTokenCount). What it answers is scripted per model (`script`); every request is
 * recorded so tests can assert the exact upstream wire request.
 */
export class FakeUpstream {
  readonly requests: RecordedRequest[] = [];
  private readonly scripts = new Map<string, { source: ScriptSource; used: number }>();
  private server: Server | undefined;
  private waiters: Array<() => void> = [];
  baseUrl = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.baseUrl = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
    this.server = undefined;
  }

  /** What requests for `model` get: one script, a list used in turn (the last repeats), or a function of the request. */
  script(model: string, source: ScriptSource): this {
    this.scripts.set(model, { source, used: 0 });
    return this;
  }

  /** Requests received for a model. */
  requestsFor(model: string): RecordedRequest[] {
    return this.requests.filter((r) => r.model === model);
  }

  last(model?: string): RecordedRequest {
    const list = model === undefined ? this.requests : this.requestsFor(model);
    const found = list[list.length - 1];
    if (!found) throw new Error(`the fake upstream received no request${model ? ` for ${model}` : ''}`);
    return found;
  }

  /** Resolves once a recorded request satisfies `predicate`. */
  async waitFor(predicate: (request: RecordedRequest) => boolean, timeoutMs = 3_000): Promise<RecordedRequest> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.requests.find(predicate);
      if (found) return found;
      if (Date.now() > deadline) throw new Error('no matching upstream request');
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
  }

  private notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const path = req.url ?? '/';
    const route = routeOf(path);
    let body: any;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = text;
    }
    const headers: Record<string, string> = {};
    for (const [key, value] of Object.entries(req.headers)) headers[key] = Array.isArray(value) ? value.join(', ') : (value ?? '');
    const model = route?.model ?? body?.model ?? '';
    const recorded: RecordedRequest = { method: req.method ?? '', path, headers, body, model, protocol: route?.protocol ?? 'chat-completions', closedEarly: false };
    this.requests.push(recorded);
    res.on('close', () => {
      if (!res.writableFinished) recorded.closedEarly = true;
      this.notify();
    });
    this.notify();
    if (!route || req.method !== 'POST') {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: `no route ${req.method} ${path}` } }));
      return;
    }
    const wire = PROTOCOLS[route.protocol];
    const script = this.next(model, recorded);
    if (route.count) {
      // Counting endpoints answer at once; an error script still applies, as the real APIs fail alike.
      if (script.ttfbMs) await sleep(script.ttfbMs);
      if (script.kind === 'raw') return void (await script.respond(res, recorded));
      if (script.kind === 'error') {
        res.writeHead(script.status, { 'content-type': 'application/json', ...script.headers }).end(JSON.stringify(script.body ?? wire.error(script.status, script.message ?? `fake ${script.status} error`)));
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(wire.count!(body)));
      return;
    }
    const stream = route.protocol === 'gemini' ? route.stream : body?.stream === true;
    const context: RenderContext = { model, includeUsage: body?.stream_options?.include_usage === true };
    if (script.ttfbMs) await sleep(script.ttfbMs);
    if (res.destroyed) return;
    if (script.kind === 'raw') return void (await script.respond(res, recorded));
    if (script.kind === 'error') {
      const errorBody = script.body ?? wire.error(script.status, script.message ?? `fake ${script.status} error`);
      res.writeHead(script.status, { 'content-type': 'application/json', ...script.headers }).end(JSON.stringify(errorBody));
      return;
    }
    if (route.compact) {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(compactedResponse(script, body)));
      return;
    }
    if (!stream) {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(wire.json(script, context)));
      return;
    }
    const rendered = wire.stream(script, context);
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    // Node holds the status line until the first write; a stream that stalls at once must still have started.
    res.flushHeaders();
    for (const frame of rendered.head) res.write(frame);
    for (let i = 0; i < rendered.body.length; i++) {
      if (i === script.failAfter) return void res.end(rendered.failure);
      if (i === script.stallAfter) return;
      if (i === script.resetAfter) {
        // Let what was written reach the client first: the reset must come mid-stream.
        await sleep(50);
        return void res.socket?.destroy();
      }
      if (script.chunkDelayMs) await sleep(script.chunkDelayMs);
      if (res.destroyed) return;
      res.write(rendered.body[i]);
    }
    if (script.failAfter !== undefined && script.failAfter >= rendered.body.length) return void res.end(rendered.failure);
    if (script.stallAfter !== undefined) return;
    for (const frame of rendered.tail) res.write(frame);
    res.end();
  }

  private next(model: string, request: RecordedRequest): Script {
    const entry = this.scripts.get(model);
    if (!entry) return DEFAULT_SCRIPT;
    const { source } = entry;
    if (typeof source === 'function') return source(request);
    if (!Array.isArray(source)) return source;
    return source[Math.min(entry.used++, source.length - 1)]!;
  }
}

function routeOf(path: string): { protocol: ProtocolName; model?: string; stream?: boolean; compact?: boolean; count?: boolean } | undefined {
  const pathname = path.split('?')[0]!;
  if (pathname.endsWith('/responses/compact')) return { protocol: 'openai-responses', compact: true };
  if (pathname.endsWith('/responses')) return { protocol: 'openai-responses' };
  if (pathname.endsWith('/responses/input_tokens')) return { protocol: 'openai-responses', count: true };
  if (pathname.endsWith('/v1/messages/count_tokens')) return { protocol: 'anthropic', count: true };
  const geminiCount = /\/v1beta\/models\/([^/:]+):countTokens$/.exec(pathname);
  if (geminiCount) return { protocol: 'gemini', model: decodeURIComponent(geminiCount[1]!), count: true };
  const deployment = /\/openai\/deployments\/([^/]+)\/chat\/completions$/.exec(pathname);
  if (deployment) return { protocol: 'chat-completions', model: decodeURIComponent(deployment[1]!) };
  if (pathname.endsWith('/chat/completions')) return { protocol: 'chat-completions' };
  if (pathname.endsWith('/v1/messages')) return { protocol: 'anthropic' };
  const gemini = /\/v1beta\/models\/([^/:]+):(generateContent|streamGenerateContent)$/.exec(pathname);
  if (gemini) return { protocol: 'gemini', model: decodeURIComponent(gemini[1]!), stream: gemini[2] === 'streamGenerateContent' && path.includes('alt=sse') };
  return undefined;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
