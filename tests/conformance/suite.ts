import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import OpenAI from 'openai';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { stringify } from 'yaml';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FakeUpstream } from '../fakes/fake-upstream.ts';
import { anthropicWire } from '../fakes/wire/anthropic-wire.ts';
import { chatCompletionsWire } from '../fakes/wire/chat-completions-wire.ts';
import { OtlpReceiver } from '../fakes/otlp-receiver.ts';
import { fakeProviderCases, providersOf, type FakeProviderCase } from '../helpers/fake-providers.ts';
import { parseExposition, sample } from '../helpers/metrics.ts';
import { parseResponseEvents } from '../helpers/sse.ts';
import { accessScenarios } from './access-suite.ts';
import { WsSession } from '../helpers/responses-ws.ts';
import { specCheckingFetch } from '../helpers/open-responses-spec.ts';
import { childEnv, ROOT, runToExit, startServer, writeConfig, type RunningServer, type Target } from '../helpers/server.ts';
import { cleanRedisPrefix, REDIS_URL, uniquePrefix, uniqueSchema } from '../helpers/stores.ts';

/** The mock models, and one model per upstream type served by fake upstreams at `upstreamUrl`. */
export function conformanceConfig(upstreamUrl: string): string {
  const cases = fakeProviderCases(upstreamUrl);
  return stringify({
    server: { address: '127.0.0.1:0', max_request_body_size: '64KiB', shutdown_grace: '20s' },
    logging: { level: 'info' },
    providers: {
      mock: { type: 'mock' },
      slow: { type: 'mock', chunks: 100, chunk_delay_ms: 50 },
      paced: { type: 'mock', chunks: 20, chunk_delay_ms: 50 },
      ...providersOf(cases),
      gemini_fast: { ...cases.find((c) => c.name === 'gemini')!.config, timeout_ms: 300 },
      anthropic_capped: { ...cases.find((c) => c.name === 'anthropic')!.config, max_response_bytes: '2KiB', max_event_bytes: '1KiB' },
    },
    models: [
      { name: 'mock', provider: 'mock' },
      { name: 'slow', provider: 'slow' },
      { name: 'paced', provider: 'paced' },
      ...cases.map((c) => ({ name: c.name, provider: c.name, provider_model_id: `conf-${c.name}` })),
    ],
  });
}

const BAD_CONFIG = `
observability:
  tracing:
    sampler:
      rate: 1.5
  colour: blue
`;

/**
 * The same scenarios against a real server process on one runtime: the
 * official OpenAI SDK as the client, plus raw HTTP for framing, errors,
 * disconnects and SIGTERM.
 */
export function conformanceSuite(name: string, getTarget: () => Promise<Target> | Target): void {
  describe(`conformance on ${name}`, () => {
    let target: Target;
    let server: RunningServer;
    let client: OpenAI;
    let configPath: string;
    let cases: FakeProviderCase[];
    // Real HTTP upstreams in this process; the gateway process calls them.
    const fake = new FakeUpstream();

    before(async () => {
      target = await getTarget();
      await fake.start();
      cases = fakeProviderCases(fake.baseUrl);
      configPath = writeConfig(conformanceConfig(fake.baseUrl));
      server = await startServer(target, configPath);
      // Every response object and stream event the SDK receives is checked against the Open Responses specification.
      client = new OpenAI({ baseURL: `${server.baseUrl}/v1`, apiKey: 'test-key', maxRetries: 0, fetch: specCheckingFetch(fetch) });
    });
    after(async () => {
      await server?.stop();
      await fake.stop();
    });

    const post = (body: unknown, init: RequestInit = {}) =>
      fetch(`${server.baseUrl}/v1/responses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body), ...init });

    test('SDK models.list', async () => {
      const ids: string[] = [];
      for await (const model of client.models.list()) ids.push(model.id);
      assert.deepEqual(ids, ['mock', 'slow', 'paced', 'openai', 'openai_chat', 'azure', 'anthropic', 'gemini', 'compatible']);
    });

    test('SDK responses.create, responses.stream, responses.inputTokens.count and models.retrieve for the mock and every provider type (objects and events checked against the Open Responses schema)', async () => {
      for (const name of ['mock', ...cases.map((c) => c.name)]) {
        const created = await client.responses.create({ model: name, input: 'Hi there' });
        assert.equal(created.status, 'completed', name);
        assert.equal(typeof created.completed_at, 'number', name);
        assert.deepEqual([created.temperature, created.top_p], [1, 1], name);
        const streamed = await client.responses.stream({ model: name, input: 'Hi there' }).finalResponse();
        assert.equal(streamed.status, 'completed', name);
        const counted = await client.responses.inputTokens.count({ model: name, input: 'Hi there', instructions: 'Be brief.' });
        assert.equal(counted.object, 'response.input_tokens', name);
        assert.ok(Number.isInteger(counted.input_tokens) && counted.input_tokens > 0, name);
        if (name === 'mock') assert.equal(counted.input_tokens, 4);
        const model = await client.models.retrieve(name);
        assert.deepEqual([model.id, model.object, model.owned_by], [name, 'model', name], name);
      }
      const direct = await client.models.retrieve('anthropic/any-model');
      assert.deepEqual([direct.id, direct.owned_by], ['anthropic/any-model', 'anthropic']);
      await assert.rejects(client.models.retrieve('no-such-model'), OpenAI.NotFoundError);
      const estimate = await fetch(`${server.baseUrl}/v1/responses/input_tokens`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'compatible', input: 'abcdefgh' }) });
      assert.equal(estimate.headers.get('x-gateway-estimate'), 'true');
      assert.deepEqual(await estimate.json(), { object: 'response.input_tokens', input_tokens: 2 });
      assert.equal(fake.last('conf-anthropic').path, '/v1/messages/count_tokens');
    });

    test('SDK responses.stream().finalResponse() and chat.completions.create({stream: true}) through every provider type, with usage', async () => {
      for (const c of cases) {
        const final = await client.responses.stream({ model: c.name, input: 'Hi' }).finalResponse();
        assert.equal(final.status, 'completed', c.name);
        assert.deepEqual(final.output.map((item) => item.type === 'message' && item.content[0]?.type === 'output_text' && item.content[0].text), ['Hello from the fake'], c.name);
        assert.deepEqual([final.usage?.input_tokens, final.usage?.output_tokens, final.usage?.total_tokens], [11, 7, 18], c.name);
        const upstream = fake.last(`conf-${c.name}`);
        assert.equal(upstream.headers[c.auth[0]], c.auth[1], c.name);
        assert.match(upstream.headers['x-request-id']!, /^[0-9a-f-]{36}$/, c.name);

        const stream = await client.chat.completions.create({ model: c.name, messages: [{ role: 'user', content: 'Hi' }], stream: true, stream_options: { include_usage: true } });
        let text = '';
        let usage;
        let finish;
        for await (const chunk of stream) {
          text += chunk.choices[0]?.delta.content ?? '';
          finish ??= chunk.choices[0]?.finish_reason ?? undefined;
          if (chunk.usage) usage = chunk.usage;
        }
        assert.equal(text, 'Hello from the fake', c.name);
        assert.equal(finish, 'stop', c.name);
        assert.deepEqual([usage?.prompt_tokens, usage?.completion_tokens, usage?.total_tokens], [11, 7, 18], c.name);
      }
    });

    test('a tool call through Anthropic and Gemini; its output, sent back with previous_response_id, reaches the upstream as tool_result / functionResponse', async () => {
      const tools = [{ type: 'function' as const, name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } }, strict: false }];
      for (const provider of ['anthropic', 'gemini']) {
        const model = `conf-tools-${provider}`;
        fake.script(model, [{ kind: 'tool_call', name: 'get_weather', args: ['{"city":', '"Oslo"}'], call_id: provider === 'anthropic' ? 'toolu_conf1' : undefined }, { kind: 'text', chunks: ['Sunny.'] }]);
        const first = await client.responses.stream({ model: `${provider}/${model}`, input: 'Weather in Oslo?', tools }).finalResponse();
        const call = first.output[0]!;
        assert.ok(call.type === 'function_call', provider);
        assert.deepEqual([call.name, call.arguments], ['get_weather', '{"city":"Oslo"}']);
        const second = await client.responses.create({
          model: `${provider}/${model}`, previous_response_id: first.id, tools,
          input: [{ type: 'function_call_output', call_id: call.call_id, output: '21 C' }],
        });
        assert.equal(second.output_text, 'Sunny.');
        const body = fake.last(model).body;
        if (provider === 'anthropic') {
          assert.equal(call.call_id, 'toolu_conf1');
          assert.deepEqual(body.messages.at(-1), { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_conf1', content: '21 C' }] });
        } else {
          assert.deepEqual(body.contents.at(-1), { role: 'user', parts: [{ functionResponse: { name: 'get_weather', response: { output: '21 C' } } }] });
        }
      }
    });

    test('upstream failures: 429 keeps Retry-After, a mid-stream failure is response.failed, a slow upstream is a 504', async () => {
      fake.script('conf-429', { kind: 'error', status: 429, headers: { 'retry-after': '9' } });
      const limited = await post({ model: 'openai/conf-429', input: 'x' });
      assert.equal(limited.status, 429);
      assert.equal(limited.headers.get('retry-after'), '9');
      assert.equal((await limited.json()).error.type, 'rate_limit_error');
      fake.script('conf-fail', { kind: 'text', chunks: ['a', 'b', 'c'], failAfter: 2 });
      const events = parseResponseEvents(await (await post({ model: 'anthropic/conf-fail', input: 'x', stream: true })).text());
      assert.equal(events.at(-1)!.type, 'response.failed');
      assert.match(events.at(-1)!.response.error.message, /Provider 'anthropic' is overloaded/);
      fake.script('conf-slow', { kind: 'text', chunks: ['late'], ttfbMs: 1_500 });
      const slow = await post({ model: 'gemini_fast/conf-slow', input: 'x', stream: true });
      assert.equal(slow.status, 504);
      assert.equal((await slow.json()).error.code, 'upstream_timeout');
    });

    test('upstream answers: a redirect is refused and never followed, a gzip answer is decoded, an oversized one is cut off', async () => {
      let reached = 0;
      const other = createServer((req, res) => {
        reached++;
        req.resume();
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
      await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
      try {
        const location = `http://127.0.0.1:${(other.address() as AddressInfo).port}/v1/messages`;
        for (const status of [302, 307, 308]) {
          fake.script(`conf-redirect-${status}`, { kind: 'raw', respond: (res) => void res.writeHead(status, { location }).end() });
          for (const stream of [false, true]) {
            const res = await post({ model: `anthropic/conf-redirect-${status}`, input: 'x', stream });
            assert.equal(res.status, 502);
            assert.match((await res.json()).error.message, new RegExp(`^Provider 'anthropic' answered with a redirect \\(HTTP ${status}\\)`));
          }
        }
        assert.equal(reached, 0, 'nothing was sent to the redirect target');
      } finally {
        await new Promise<void>((resolve) => other.close(() => resolve()));
      }

      const script = { kind: 'text' as const, chunks: ['zipped', ' answer'] };
      const context = { model: 'conf-gzip', includeUsage: false };
      const rendered = anthropicWire.stream(script, context);
      fake.script('conf-gzip', (request) =>
        request.body?.stream === true
          ? { kind: 'raw', respond: (res) => void res.writeHead(200, { 'content-type': 'text/event-stream', 'content-encoding': 'gzip' }).end(gzipSync([...rendered.head, ...rendered.body, ...rendered.tail].join(''))) }
          : { kind: 'raw', respond: (res) => void res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' }).end(gzipSync(JSON.stringify(anthropicWire.json(script, context)))) },
      );
      const zipped = await (await post({ model: 'anthropic/conf-gzip', input: 'x' })).json();
      assert.equal(zipped.output[0].content[0].text, 'zipped answer');
      const zippedEvents = parseResponseEvents(await (await post({ model: 'anthropic/conf-gzip', input: 'x', stream: true })).text());
      assert.equal(zippedEvents.at(-1)!.type, 'response.completed');

      fake.script('conf-huge', { kind: 'raw', respond: (res) => void res.writeHead(200, { 'content-type': 'application/json' }).end('x'.repeat(64 * 1024)) });
      const huge = await post({ model: 'anthropic_capped/conf-huge', input: 'x' });
      assert.equal(huge.status, 502);
      assert.match((await huge.json()).error.message, /larger than 2048 bytes \(max_response_bytes\)/);
      fake.script('conf-huge-event', { kind: 'raw', respond: (res) => void res.writeHead(200, { 'content-type': 'text/event-stream' }).end(`data: ${'y'.repeat(8 * 1024)}\n\n`) });
      const hugeEvent = parseResponseEvents(await (await post({ model: 'anthropic_capped/conf-huge-event', input: 'x', stream: true })).text());
      assert.match(hugeEvent.at(-1)!.response.error.message, /larger than 1024 bytes \(max_event_bytes\)/);
    });

    test('a client that disconnects mid-stream closes the upstream request', async () => {
      fake.script('conf-long', { kind: 'text', chunks: Array(100).fill(' x'), chunkDelayMs: 20 });
      const controller = new AbortController();
      const res = await post({ model: 'gemini/conf-long', input: 'x', stream: true }, { headers: { 'content-type': 'application/json' }, signal: controller.signal });
      const reader = res.body!.getReader();
      let seen = '';
      while (!seen.includes('output_text.delta')) seen += new TextDecoder().decode((await reader.read()).value);
      controller.abort();
      const upstream = await fake.waitFor((r) => r.model === 'conf-long' && r.closedEarly, 1_500);
      assert.ok(upstream.closedEarly);
    });

    test('a client that leaves before the upstream answers closes the upstream request (non-streamed and streamed)', async () => {
      for (const stream of [false, true]) {
        const model = `conf-gone-early-${stream}`;
        fake.script(model, { kind: 'text', chunks: ['late'], ttfbMs: 5_000 });
        const controller = new AbortController();
        const id = `gone-early-${stream}`;
        const pending = post({ model: `gemini/${model}`, input: 'x', stream }, { headers: { 'content-type': 'application/json', 'x-request-id': id }, signal: controller.signal }).catch(() => undefined);
        await fake.waitFor((r) => r.model === model, 3_000);
        controller.abort();
        await pending;
        const upstream = await fake.waitFor((r) => r.model === model && r.closedEarly, 2_000);
        assert.ok(upstream.closedEarly, `stream: ${stream}`);
        const line = await server.waitForLog((l) => l.msg === 'request completed' && l.request_id === id, 2_000);
        assert.equal(line.outcome, 'cancelled', `stream: ${stream}`);
      }
    });

    test('events that arrive in one upstream read reach the client in one write, not one write per event', async () => {
      // 40 deltas in a single write of the upstream: the gateway's answer is a handful of HTTP chunks.
      const script = { kind: 'text' as const, chunks: Array.from({ length: 40 }, (_, i) => ` t${i}`) };
      const rendered = chatCompletionsWire.stream(script, { model: 'conf-batched', includeUsage: false });
      fake.script('conf-batched', { kind: 'raw', respond: (res) => void res.writeHead(200, { 'content-type': 'text/event-stream' }).end([...rendered.head, ...rendered.body, ...rendered.tail].join('')) });
      const { port } = new URL(server.baseUrl);
      const body = JSON.stringify({ model: 'openai_chat/conf-batched', messages: [{ role: 'user', content: 'x' }], stream: true });
      const raw = await new Promise<string>((resolve, reject) => {
        const socket = connect(Number(port), '127.0.0.1');
        let text = '';
        socket.setEncoding('latin1');
        socket.on('data', (chunk: string) => (text += chunk));
        socket.on('end', () => resolve(text));
        socket.on('error', reject);
        socket.write(`POST /v1/chat/completions HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n${body}`);
      });
      const head = raw.indexOf('\r\n\r\n');
      assert.match(raw.slice(0, head), /transfer-encoding: chunked/i);
      const chunks: string[] = [];
      for (let at = head + 4; ; ) {
        const eol = raw.indexOf('\r\n', at);
        const size = parseInt(raw.slice(at, eol), 16);
        if (!(size > 0)) break;
        chunks.push(raw.slice(eol + 2, eol + 2 + size));
        at = eol + 2 + size + 2;
      }
      const deltas = chunks.join('').split('\n\n').filter((e) => e.includes('"content":" t'));
      assert.equal(deltas.length, 40);
      assert.ok(chunks.join('').endsWith('data: [DONE]\n\n'));
      // The role chunk, then what the one upstream read produced (a runtime may split a large write).
      assert.ok(chunks.length <= 4, `${chunks.length} HTTP chunks for 40 events that arrived together`);
    });

    test('SDK responses.create', async () => {
      const response = await client.responses.create({ model: 'mock', input: 'Hello, world!' });
      assert.equal(response.status, 'completed');
      assert.equal(response.output_text, 'Echo: Hello, world!');
      assert.deepEqual([response.usage?.input_tokens, response.usage?.output_tokens, response.usage?.total_tokens], [2, 3, 5]);
    });

    test('SDK responses.create({stream: true})', async () => {
      const stream = await client.responses.create({ model: 'mock', input: 'one two', stream: true });
      const types: string[] = [];
      let text = '';
      let sequence = 0;
      for await (const event of stream) {
        types.push(event.type);
        assert.equal(event.sequence_number, sequence++);
        if (event.type === 'response.output_text.delta') text += event.delta;
        if (event.type === 'response.completed') assert.equal(event.response.usage?.output_tokens, 3);
      }
      assert.equal(text, 'Echo: one two');
      assert.equal(types[0], 'response.created');
      assert.equal(types.at(-1), 'response.completed');
    });

    test('SDK responses.stream().finalResponse()', async () => {
      const deltas: string[] = [];
      const stream = client.responses.stream({ model: 'mock', input: 'streamed helper' });
      stream.on('response.output_text.delta', (event) => deltas.push(event.delta));
      const final = await stream.finalResponse();
      assert.equal(final.status, 'completed');
      // finalResponse() is the accumulated snapshot, which has no output_text convenience field.
      assert.deepEqual(final.output.map((item) => item.type === 'message' && item.content[0]?.type === 'output_text' && item.content[0].text), ['Echo: streamed helper']);
      assert.equal(deltas.join(''), 'Echo: streamed helper');
    });

    test('SDK three-turn previous_response_id chain, retrieve, inputItems.list, delete', async () => {
      const first = await client.responses.create({ model: 'mock', input: 'alpha', instructions: 'be kind' });
      const second = await client.responses.create({ model: 'mock', input: 'beta', previous_response_id: first.id });
      const third = await client.responses.stream({ model: 'mock', input: [{ role: 'user', content: 'gamma' }], previous_response_id: second.id }).finalResponse();
      // turn 1: "be kind" + "alpha"; turn 2: "alpha" "Echo: alpha" "beta"; turn 3 adds "Echo: beta" "gamma"
      assert.deepEqual([first.usage?.input_tokens, second.usage?.input_tokens, third.usage?.input_tokens], [3, 4, 7]);
      assert.equal(third.previous_response_id, second.id);
      const retrieved = await client.responses.retrieve(third.id);
      assert.equal(retrieved.id, third.id);
      assert.equal(retrieved.output_text, 'Echo: gamma');
      const items = [];
      for await (const item of client.responses.inputItems.list(third.id)) items.push(item);
      assert.equal(items.length, 1);
      assert.deepEqual((items[0] as { content: unknown }).content, [{ type: 'input_text', text: 'gamma' }]);
      await client.responses.delete(third.id);
      await assert.rejects(client.responses.retrieve(third.id), (error: unknown) => error instanceof OpenAI.NotFoundError);
    });

    test('SDK errors: unknown model is NotFoundError, unknown previous response is BadRequestError', async () => {
      await assert.rejects(client.responses.create({ model: 'nope', input: 'x' }), (error: unknown) => {
        assert.ok(error instanceof OpenAI.NotFoundError);
        assert.equal(error.code, 'model_not_found');
        return true;
      });
      await assert.rejects(client.responses.create({ model: 'mock', input: 'x', previous_response_id: 'resp_gone' }), (error: unknown) => {
        assert.ok(error instanceof OpenAI.BadRequestError);
        assert.equal(error.code, 'previous_response_not_found');
        assert.equal(error.param, 'previous_response_id');
        return true;
      });
    });

    test('SDK ResponsesWS: WebSocket turns for the mock and every provider type, store: false continuation, error envelopes, one request per connection', async () => {
      const ws = new WsSession(`${server.baseUrl}/v1`, { 'x-request-id': `conf-ws-${target.name}` });
      await ws.opened();
      const first = await ws.turn({ model: 'mock', input: 'over a socket', store: false });
      assert.equal(first.last.type, 'response.completed');
      assert.equal(first.events[0]!.type, 'response.created');
      assert.equal(first.last.response.output[0].content[0].text, 'Echo: over a socket');
      const second = await ws.turn({ model: 'anthropic', input: 'next', store: false, previous_response_id: first.last.response.id });
      assert.equal(second.last.type, 'response.completed');
      assert.equal(second.last.response.output_text ?? second.last.response.output[0].content[0].text, 'Hello from the fake');
      // The upstream saw the earlier turn, which only this connection kept.
      assert.ok(JSON.stringify(fake.last('conf-anthropic').body.messages).includes('over a socket'));
      // Every provider type over the same socket, streamed as the SSE events are (each validated against the specification).
      for (const c of cases) {
        const turn = await ws.turn({ model: c.name, input: `ws to ${c.name}`, store: false });
        assert.equal(turn.last.type, 'response.completed', c.name);
        assert.ok(turn.events.some((e) => e.type === 'response.output_text.delta'), c.name);
        assert.ok(JSON.stringify(fake.last(`conf-${c.name}`).body).includes(`ws to ${c.name}`), c.name);
      }
      const missing = await ws.turn({ model: 'mock', input: 'x', previous_response_id: 'resp_unknown' });
      assert.deepEqual([missing.last.type, missing.last.status, missing.last.error.code], ['error', 400, 'previous_response_not_found']);
      ws.sendRaw('{"type":');
      assert.equal((await ws.next()).last.error.code, 'invalid_json');
      await ws.close();
      const line = await server.waitForLog((l) => l.msg === 'request completed' && l.request_id === `conf-ws-${target.name}`);
      assert.deepEqual([line.method, line.route, line.status, line.outcome], ['GET', '/v1/responses', 101, 'completed']);
      const metrics = parseExposition(await (await fetch(`${server.baseUrl}/metrics`)).text());
      assert.ok(sample(metrics, 'http_requests_total', { method: 'GET', path: '/v1/responses', status: '101' })! >= 1);
    });

    test('SDK responses.compact for the mock and every provider type; the item given back continues the conversation', async () => {
      const window = [{ role: 'user' as const, content: 'Plan a trip' }, { role: 'assistant' as const, content: 'Three days in Lisbon.' }];
      for (const model of ['mock', ...cases.map((c) => c.name)]) {
        const compacted = await client.responses.compact({ model, input: window });
        assert.equal(compacted.object, 'response.compaction', model);
        const item = compacted.output.at(-1) as { type: string; encrypted_content: string };
        assert.equal(item.type, 'compaction', model);
        assert.ok(compacted.usage.total_tokens > 0, model);
        if (model === 'openai') assert.equal(fake.last('conf-openai').path, '/v1/responses/compact');
        else assert.ok(item.encrypted_content.startsWith('gwc1.'), model);
        const next = await client.responses.create({ model, input: [...compacted.output, { role: 'user', content: 'and then?' }] as OpenAI.Responses.ResponseInput });
        assert.equal(next.status, 'completed', model);
      }
    });

    test('SDK background responses: create, retrieve polling, cancel, and a stream resumed with starting_after', async () => {
      const settle = async (id: string) => {
        for (let i = 0; i < 400; i++) {
          const now = await client.responses.retrieve(id);
          if (now.status !== 'queued' && now.status !== 'in_progress') return now;
          await sleep(25);
        }
        throw new Error(`${id} did not finish`);
      };
      for (const model of ['mock', ...cases.map((c) => c.name)]) {
        const created = await client.responses.create({ model, input: 'Hi', background: true });
        assert.ok(created.status === 'queued' || created.status === 'in_progress', model);
        const done = await settle(created.id);
        assert.equal(done.status, 'completed', model);
        assert.equal(done.output_text, model === 'mock' ? 'Echo: Hi' : 'Hello from the fake', model);
      }
      const running = await client.responses.create({ model: 'slow', input: 'x', background: true });
      const cancelled = await client.responses.cancel(running.id);
      assert.equal(cancelled.status, 'cancelled');
      assert.equal((await client.responses.retrieve(running.id)).status, 'cancelled');
      const plain = await client.responses.create({ model: 'mock', input: 'x' });
      await assert.rejects(client.responses.cancel(plain.id), OpenAI.BadRequestError);

      const stream = await client.responses.create({ model: 'paced', input: 'go', background: true, stream: true });
      let id = '';
      let seen = 0;
      for await (const event of stream) {
        if (event.type === 'response.created') id = event.response.id;
        if (++seen === 4) break;
      }
      const rest: OpenAI.Responses.ResponseStreamEvent[] = [];
      for await (const event of await client.responses.retrieve(id, { stream: true, starting_after: 3 })) rest.push(event);
      assert.deepEqual(rest.map((e) => e.sequence_number), rest.map((_, i) => i + 4));
      assert.equal(rest.at(-1)!.type, 'response.completed');
      assert.equal((await client.responses.retrieve(id)).status, 'completed');
    });

    test('SSE framing on the wire', async () => {
      const res = await post({ model: 'mock', input: 'a b', stream: true });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-type'), 'text/event-stream; charset=utf-8');
      const raw = await res.text();
      assert.match(raw, /^event: response\.created\ndata: \{.*\}\n\n/);
      const events = parseResponseEvents(raw);
      assert.deepEqual(events.map((e) => e.sequence_number), events.map((_, i) => i));
      assert.equal(events.filter((e) => e.type === 'response.output_text.delta').length, 3);
      assert.ok(!raw.includes('[DONE]'));
    });

    test('errors over HTTP: 400 malformed JSON, 400 schema, 404 model, 405, 404 route', async () => {
      const check = async (res: Response, status: number, code: string, param: string | null = null) => {
        assert.equal(res.status, status);
        const { error } = await res.json();
        assert.equal(error.code, code);
        assert.equal(error.param, param);
        assert.equal(typeof error.message, 'string');
        assert.ok(['invalid_request_error', 'server_error'].includes(error.type));
      };
      await check(await post('{"model":'), 400, 'invalid_json');
      await check(await post({ model: 'mock', input: 'x', temperature: 9 }), 400, 'invalid_value', 'temperature');
      await check(await post({ model: 'mock', input: 'x', stream: true, max_output_tokens: -1 }), 400, 'invalid_value', 'max_output_tokens');
      await check(await post({ model: 'unknown', input: 'x' }), 404, 'model_not_found', 'model');
      const wrongMethod = await fetch(`${server.baseUrl}/v1/responses`, { method: 'DELETE' });
      assert.equal(wrongMethod.headers.get('allow'), 'GET, HEAD, POST');
      await check(wrongMethod, 405, 'method_not_allowed');
      // A plain GET of /v1/responses is the WebSocket endpoint without the upgrade.
      await check(await fetch(`${server.baseUrl}/v1/responses`), 426, 'websocket_upgrade_required');
      await check(await fetch(`${server.baseUrl}/v2/anything`), 404, 'not_found');
    });

    test('client input: text/plain is 415, 10,000-deep nesting is 400, a gzip body is decoded, a CORS preflight is refused', async () => {
      const error = async (res: Response, status: number, code: string) => {
        assert.equal(res.status, status);
        const body = await res.json();
        assert.deepEqual(Object.keys(body.error).sort(), ['code', 'message', 'param', 'type']);
        assert.equal(body.error.code, code, body.error.message);
        return body.error;
      };
      const json = JSON.stringify({ model: 'mock', input: 'Hi there' });
      // What a web page may send without a preflight: a text/plain body.
      await error(await post(json, { headers: { 'content-type': 'text/plain;charset=UTF-8' } }), 415, 'unsupported_media_type');
      await error(await fetch(`${server.baseUrl}/v1/chat/completions`, { method: 'POST', body: new Blob([json]) }), 415, 'unsupported_media_type');
      await error(await post(json, { headers: { 'content-type': 'application/json', 'content-encoding': 'br' } }), 415, 'unsupported_media_type');

      const deep = `{"model":"mock","input":"x","tools":[{"type":"function","name":"f","parameters":${'{"a":'.repeat(10_000)}{}${'}'.repeat(10_000)}}]}`;
      const tooDeep = await error(await post(deep), 400, 'nesting_above_max_depth');
      assert.match(tooDeep.param, /^tools\[0\]\.parameters\.a/);
      await error(await post(`{"model":"mock","input":"x","text":{"format":{"type":"json_schema","name":"s","schema":${'['.repeat(10_000)}${']'.repeat(10_000)}}}}`), 400, 'nesting_above_max_depth');

      const gzipped = await fetch(`${server.baseUrl}/v1/responses`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: gzipSync(json) });
      assert.equal(gzipped.status, 200);
      assert.equal((await gzipped.json()).output[0].content[0].text, 'Echo: Hi there');
      // Small on the wire, over the 64 KiB limit once decoded.
      const bomb = gzipSync(`{"model":"mock","input":"${' '.repeat(8 * 1024 * 1024)}"}`);
      await error(await fetch(`${server.baseUrl}/v1/responses`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: bomb }), 413, 'request_too_large');

      const preflight = await fetch(`${server.baseUrl}/v1/responses`, {
        method: 'OPTIONS',
        headers: { origin: 'https://page.example.com', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type, authorization' },
      });
      assert.equal(preflight.headers.get('access-control-allow-origin'), null);
      await error(preflight, 403, 'cors_not_allowed');
      const answer = await post(json, { headers: { 'content-type': 'application/json', origin: 'https://page.example.com' } });
      assert.equal(answer.status, 200);
      assert.equal(answer.headers.get('access-control-allow-origin'), null);
      await answer.body?.cancel();
    });

    test('413 for a body over the limit, answered before the body is sent', async () => {
      // Declare 10 MB, send none of it: the answer must come anyway.
      const reply = await new Promise<string>((resolve, reject) => {
        const url = new URL(server.baseUrl);
        const socket = connect(Number(url.port), url.hostname, () => {
          socket.write(`POST /v1/responses HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: application/json\r\nContent-Length: 10000000\r\n\r\n{"model":`);
        });
        let data = '';
        socket.on('data', (chunk) => {
          data += chunk;
          if (data.includes('\r\n\r\n') && data.includes('}}')) {
            socket.destroy();
            resolve(data);
          }
        });
        socket.on('error', reject);
        setTimeout(() => {
          socket.destroy();
          reject(new Error(`no answer; got ${JSON.stringify(data)}`));
        }, 5_000);
      });
      assert.match(reply, /^HTTP\/1\.1 413 /);
      assert.match(reply, /"code":"request_too_large"/);
    });

    test('x-request-id is echoed; /health and /ready answer', async () => {
      const res = await fetch(`${server.baseUrl}/health`, { headers: { 'x-request-id': 'conf-123' } });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('x-request-id'), 'conf-123');
      assert.deepEqual(await res.json(), { status: 'ok' });
      const ready = await fetch(`${server.baseUrl}/ready`);
      assert.equal(ready.status, 200);
      assert.deepEqual(await ready.json(), { status: 'ready', checks: { store: 'ok', models: 'ok' } });
    });

    test('resilience: a provider answering 500 to everything falls back to claude (x-gateway-model), its breaker opens and keeps requests off it until open_for, then it closes; /ready stays 200', async () => {
      const openaiCase = cases.find((c) => c.name === 'openai')!.config;
      const anthropicCase = cases.find((c) => c.name === 'anthropic')!.config;
      const own = await startServer(target, writeConfig(stringify({
        server: { address: '127.0.0.1:0' },
        logging: { level: 'info' },
        providers: {
          openai: { ...openaiCase, circuit_breaker: { failure_ratio: 0.5, min_requests: 2, window: '30s', open_for: '1500ms', half_open_requests: 1 } },
          anthropic: anthropicCase,
        },
        models: [
          { name: 'smart', provider: 'openai', provider_model_id: 'conf-res-gpt', fallbacks: ['claude'] },
          { name: 'claude', provider: 'anthropic', provider_model_id: 'conf-res-claude' },
        ],
      })));
      try {
        const sdk = new OpenAI({ baseURL: `${own.baseUrl}/v1`, apiKey: 'test-key', maxRetries: 0 });
        const state = async () => sample(parseExposition(await (await fetch(`${own.baseUrl}/metrics`)).text()), 'circuit_breaker_state', { provider: 'openai' });
        fake.script('conf-res-gpt', { kind: 'error', status: 500 });
        fake.script('conf-res-claude', { kind: 'text', chunks: ['from', ' claude'] });
        assert.equal(await state(), 0);
        for (let i = 0; i < 4; i++) {
          const { data, response } = await sdk.responses.create({ model: 'smart', input: 'hi' }).withResponse();
          assert.equal(response.status, 200);
          assert.equal(response.headers.get('x-gateway-model'), 'claude');
          assert.equal(response.headers.get('x-gateway-attempts'), i < 2 ? '2' : '1');
          assert.equal(data.model, 'smart');
          assert.equal(data.output_text, 'from claude');
        }
        const stream = await sdk.responses.create({ model: 'smart', input: 'hi', stream: true }).withResponse();
        assert.equal(stream.response.headers.get('x-gateway-model'), 'claude');
        for await (const event of stream.data) void event;
        assert.equal(fake.requestsFor('conf-res-gpt').length, 2, 'no request reached the failing upstream once the breaker opened');
        assert.equal(await state(), 1);
        assert.equal((await fetch(`${own.baseUrl}/ready`)).status, 200);
        fake.script('conf-res-gpt', { kind: 'text', chunks: ['from', ' openai'] });
        await sleep(1_800);
        const { response } = await sdk.responses.create({ model: 'smart', input: 'hi' }).withResponse();
        assert.equal(response.headers.get('x-gateway-model'), 'smart');
        assert.equal(response.headers.get('x-gateway-provider'), 'openai');
        assert.equal(await state(), 0);
        const samples = parseExposition(await (await fetch(`${own.baseUrl}/metrics`)).text());
        for (const [from, to] of [['closed', 'open'], ['open', 'half_open'], ['half_open', 'closed']]) {
          assert.equal(sample(samples, 'circuit_breaker_state_transitions_total', { provider: 'openai', from: from!, to: to! }), 1, `${from} → ${to}`);
        }
        assert.equal(sample(samples, 'gateway_fallbacks_total', { model: 'smart', from: 'smart', to: 'claude' }), 2);
        await own.waitForLog((l) => l.msg === 'circuit breaker opened' && l.provider === 'openai', 3_000);
      } finally {
        await own.stop();
      }
    });

    test("the adapter passes the client's address: the access log line carries it", async () => {
      // A raw socket, so the test knows the address it connects from.
      const socket = connect(Number(new URL(server.baseUrl).port), '127.0.0.1');
      await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
      const from = socket.localAddress;
      socket.write('GET /health HTTP/1.1\r\nhost: gateway\r\nx-request-id: conf-peer\r\nconnection: close\r\n\r\n');
      const line = await server.waitForLog((l) => l.msg === 'request completed' && l.request_id === 'conf-peer', 3_000);
      socket.destroy();
      assert.equal(line.client_address, from);
      assert.match(String(line.client_address), /^(::ffff:)?127\.0\.0\.1$/);
    });

    test('a client disconnecting mid-stream cancels the upstream stream within a second', async () => {
      const controller = new AbortController();
      const res = await post({ model: 'slow', input: 'x', stream: true }, { headers: { 'content-type': 'application/json', 'x-request-id': 'disconnect-1' }, signal: controller.signal });
      const reader = res.body!.getReader();
      let seen = '';
      while (!seen.includes('output_text.delta')) seen += new TextDecoder().decode((await reader.read()).value);
      const disconnectedAt = Date.now();
      controller.abort();
      const line = await server.waitForLog((l) => l.msg === 'request completed' && l.request_id === 'disconnect-1', 3_000);
      assert.equal(line.outcome, 'cancelled');
      assert.ok(Date.parse(line.time) - disconnectedAt < 1_000, `noticed after ${Date.parse(line.time) - disconnectedAt} ms`);
      // 100 chunks at 50 ms would take 5 s: the provider stopped, so nothing was generated or stored.
      await sleep(200);
      assert.ok(!server.logs.some((l) => l.msg === 'response generated' && l.request_id === 'disconnect-1'));
    });

    test('SIGTERM during a stream: the stream completes, then the process exits 0', async () => {
      const own = await startServer(target, configPath);
      try {
        const res = await fetch(`${own.baseUrl}/v1/responses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'paced', input: 'x', stream: true }) });
        const reader = res.body!.getReader();
        let text = '';
        while (!text.includes('output_text.delta')) text += new TextDecoder().decode((await reader.read()).value);
        own.process.kill('SIGTERM');
        await own.waitForLog((l) => l.msg === 'shutting down');
        if (name !== 'deno-serve') {
          // New connections are refused while the stream goes on.
          await assert.rejects(fetch(`${own.baseUrl}/health`, { signal: AbortSignal.timeout(2_000) }));
        }
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          text += new TextDecoder().decode(value);
        }
        const events = parseResponseEvents(text);
        assert.equal(events.at(-1)!.type, 'response.completed');
        assert.equal(events.filter((e) => e.type === 'response.output_text.delta').length, 20);
        const { code } = await own.exited;
        assert.equal(code, 0);
        assert.ok(own.logs.some((l) => l.msg === 'stopped'));
      } finally {
        await own.stop();
      }
    });

    test("no config file: embedded defaults serve the mock model, with the seed's metrics", async () => {
      const own = await startServer(target, undefined);
      try {
        const scrape = async () => {
          const res = await fetch(`${own.baseUrl}/metrics`);
          assert.equal(res.status, 200);
          return res.text();
        };
        // The seed's expected output: the gauge at 0 from the start; a scrape shows in the next one.
        const first = await scrape();
        assert.match(first, /^conversation_active_count\{backend="memory"\} 0$/m);
        assert.match(first, /^# HELP http_requests_total Total number of HTTP requests$/m);
        assert.doesNotMatch(first, /path="\/metrics"/);
        assert.match(await scrape(), /^http_requests_total\{method="GET",path="\/metrics",status="200"\} 1$/m);
        const started = own.logs.find((l) => l.msg === 'gateway started')!;
        assert.equal(started.config, 'embedded defaults');
        assert.deepEqual([started.providers, started.models, started.store], [['mock'], ['mock'], 'memory']);
        const res = await fetch(`${own.baseUrl}/v1/responses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"model":"mock","input":"Hello, world!"}' });
        const body = await res.json();
        assert.equal(body.status, 'completed');
        assert.equal(body.output[0].content[0].text, 'Echo: Hello, world!');
        assert.equal(body.usage.total_tokens, 5);
        const streamed = await fetch(`${own.baseUrl}/v1/responses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"model":"mock","input":"Hello","stream":true}' });
        await streamed.text();
        const samples = parseExposition(await scrape());
        const mock = { provider: 'mock', model: 'mock' };
        assert.equal(sample(samples, 'http_requests_total', { method: 'POST', path: '/v1/responses', status: '200' }), 2);
        for (const operation of ['generate', 'generate_stream']) {
          assert.equal(sample(samples, 'provider_requests_total', { ...mock, operation, status: 'success' }), 1, operation);
          assert.equal(sample(samples, 'provider_request_duration_seconds_count', { ...mock, operation }), 1, operation);
        }
        assert.equal(sample(samples, 'provider_tokens_total', { ...mock, type: 'input' }), 3);
        assert.equal(sample(samples, 'provider_tokens_total', { ...mock, type: 'output' }), 5);
        assert.equal(sample(samples, 'provider_stream_chunks_total', mock), 2);
        assert.equal(sample(samples, 'conversation_active_count', { backend: 'memory' }), 2);
      } finally {
        await own.stop();
      }
    });

    test('tracing: a streamed, chained request with an incoming traceparent forms the span tree; a disconnect ends every span', async () => {
      const receiver = new OtlpReceiver();
      const collector = await receiver.start();
      const own = await startServer(target, writeConfig(`${conformanceConfig(fake.baseUrl)}
observability:
  tracing:
    enabled: true
    sampler:
      type: probability
      rate: 0.000001
    exporter:
      endpoint: "${collector}"
`), { OTEL_BSP_SCHEDULE_DELAY: '50' });
      try {
        const post = (body: object, headers: Record<string, string> = {}, signal?: AbortSignal) =>
          fetch(`${own.baseUrl}/v1/responses`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body), ...(signal ? { signal } : {}) });
        const traceId = randomBytes(16).toString('hex');
        const parentId = randomBytes(8).toString('hex');
        const traceparent = `00-${traceId}-${parentId}-01`;
        // Sampled by the caller's decision (parent-based), although the configured rate is tiny.
        const first = await (await post({ model: 'mock', input: 'first turn' }, { traceparent })).json();
        const streamed = await post({ model: 'mock', input: 'second turn', previous_response_id: first.id, stream: true }, { traceparent, 'x-request-id': 'conf-trace' });
        const events = parseResponseEvents(await streamed.text());
        const [server] = await receiver.waitFor((s) => s.attributes['http.request_id'] === 'conf-trace');
        const spans = await receiver.waitFor((s) => s.traceId === traceId, 7); // 3 for the first turn, 4 for the second
        const mine = spans.filter((s) => s.spanId === server!.spanId || s.parentSpanId === server!.spanId);
        assert.deepEqual(mine.map((s) => s.name).sort(), ['POST /v1/responses', 'conversation.create', 'conversation.get', 'provider.generate_stream']);
        const named = (name: string) => mine.find((s) => s.name === name)!;
        assert.equal(server!.parentSpanId, parentId);
        assert.equal(server!.kind, 'SERVER');
        assert.deepEqual(
          ['http.method', 'http.route', 'http.status_code', 'http.request_id', 'trace_id', 'span_id', 'http.request.method', 'http.response.status_code', 'url.path'].map((k) => server!.attributes[k]),
          ['POST', '/v1/responses', 200, 'conf-trace', traceId, server!.spanId, 'POST', 200, '/v1/responses'],
        );
        const provider = named('provider.generate_stream');
        assert.equal(provider.kind, 'CLIENT');
        assert.deepEqual(
          ['provider.name', 'provider.model', 'provider.input_tokens', 'provider.output_tokens', 'provider.chunk_count', 'gen_ai.operation.name', 'gen_ai.provider.name', 'gen_ai.request.model', 'gen_ai.response.model', 'gen_ai.usage.input_tokens', 'gen_ai.usage.output_tokens', 'gen_ai.response.finish_reasons', 'gen_ai.request.stream'].map((k) => provider.attributes[k]),
          ['mock', 'mock', 7, 3, 3, 'chat', 'mock', 'mock', 'mock', 7, 3, ['stop'], true],
        );
        assert.ok((provider.attributes['provider.ttfb_seconds'] as number) >= 0);
        const get = named('conversation.get');
        assert.deepEqual(['conversation.id', 'conversation.backend', 'conversation.message_count', 'conversation.model'].map((k) => get.attributes[k]), [first.id, 'memory', 2, 'mock']);
        const create = named('conversation.create');
        assert.deepEqual(['conversation.id', 'conversation.backend', 'conversation.message_count', 'conversation.model'].map((k) => create.attributes[k]), [events.at(-1)!.response.id, 'memory', 4, 'mock']);
        const runtime = target.name === 'binary' ? 'bun' : target.name === 'deno-serve' ? 'deno' : target.name === 'node' ? 'nodejs' : target.name;
        assert.equal(server!.resource['process.runtime.name'], runtime);
        assert.equal(server!.resource['service.name'], 'llm-gateway');
        const logged = own.logs.find((l) => l.msg === 'response generated' && l.request_id === 'conf-trace')!;
        assert.deepEqual([logged.trace_id, logged.span_id], [traceId, server!.spanId]);

        // The client goes away mid-stream: every span of that trace still ends, and the log line carries its trace id.
        const goneTrace = randomBytes(16).toString('hex');
        const controller = new AbortController();
        const slow = await post({ model: 'slow', input: 'x', stream: true }, { traceparent: `00-${goneTrace}-${parentId}-01`, 'x-request-id': 'conf-gone' }, controller.signal);
        const reader = slow.body!.getReader();
        let text = '';
        while (!text.includes('output_text.delta')) text += new TextDecoder().decode((await reader.read()).value);
        controller.abort();
        const gone = await receiver.waitFor((s) => s.traceId === goneTrace, 2);
        assert.deepEqual(gone.map((s) => s.name).sort(), ['POST /v1/responses', 'provider.generate_stream']);
        for (const span of gone) assert.ok(span.events.some((e) => e.name === 'client.disconnect'), span.name);
        const line = await own.waitForLog((l) => l.msg === 'request completed' && l.request_id === 'conf-gone');
        assert.equal(line.trace_id, goneTrace);
        assert.equal(line.outcome, 'cancelled');

        // Through a real HTTP upstream: it receives a traceparent whose parent is the provider span.
        const upstreamTrace = randomBytes(16).toString('hex');
        await (await post({ model: 'anthropic', input: 'traced upstream', stream: true }, { traceparent: `00-${upstreamTrace}-${parentId}-01`, 'x-request-id': 'conf-upstream' })).text();
        const [client] = await receiver.waitFor((s) => s.traceId === upstreamTrace && s.name === 'provider.generate_stream');
        const received = fake.requestsFor('conf-anthropic').find((r) => r.headers['x-request-id'] === 'conf-upstream')!;
        assert.equal(received.headers.traceparent, `00-${upstreamTrace}-${client!.spanId}-01`);
        assert.equal(client!.attributes['gen_ai.provider.name'], 'anthropic');
      } finally {
        await own.stop();
        await receiver.close();
      }
    });

    test('time limits on a real server: a stream silent longer than the server idle timeout arrives intact with keep-alive comments; stalled and comment-only upstreams end in response.failed; SIGTERM after the grace ends a live stream with response.failed', async () => {
      const compatible = cases.find((c) => c.name === 'compatible')!.config;
      // The server idle timeout shortened to 8 s (the least Bun honours), comments every second.
      const own = await startServer(target, writeConfig(stringify({
        server: { address: '127.0.0.1:0', idle_timeout: '8s', sse_keepalive: '1s', shutdown_grace: '1s' },
        logging: { level: 'info' },
        providers: {
          patient: { ...compatible, timeout_ms: 5_000, stream_idle_timeout_ms: 30_000 },
          stalling: { ...compatible, timeout_ms: 5_000, stream_idle_timeout_ms: 300 },
          slow: { type: 'mock', chunks: 100, chunk_delay_ms: 50 },
        },
        models: [{ name: 'slow', provider: 'slow' }],
      })));
      const SILENCE_MS = 10_000;
      const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
        `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
      const silentThenDone: Parameters<typeof fake.script>[1] = {
        kind: 'raw',
        respond: async (res) => {
          res.writeHead(200, { 'content-type': 'text/event-stream' });
          res.write(chunk({ role: 'assistant', content: 'one' }));
          await sleep(SILENCE_MS);
          if (res.destroyed) return;
          res.write(chunk({ content: ' two' }));
          res.write(chunk({}, 'stop'));
          res.end('data: [DONE]\n\n');
        },
      };
      fake.script('conf-silent-chat', silentThenDone);
      fake.script('conf-silent-responses', silentThenDone);
      fake.script('conf-comments', {
        kind: 'raw',
        respond: (res) => {
          res.writeHead(200, { 'content-type': 'text/event-stream' });
          res.write(chunk({ role: 'assistant', content: 'hi' }));
          const timer = setInterval(() => res.write(': keep-alive\n\n'), 50);
          res.on('close', () => clearInterval(timer));
        },
      });
      fake.script('conf-stall', { kind: 'text', chunks: ['a', 'b'], stallAfter: 1 });
      /** The SSE blocks of a body, each with when it arrived. */
      const blocks = async (res: Response) => {
        assert.equal(res.status, 200);
        const out: Array<{ at: number; text: string }> = [];
        const reader = res.body!.getReader();
        const decoder = new TextDecoder();
        let pending = '';
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          pending += decoder.decode(value, { stream: true });
          let end: number;
          while ((end = pending.indexOf('\n\n')) !== -1) {
            out.push({ at: performance.now(), text: pending.slice(0, end) });
            pending = pending.slice(end + 2);
          }
        }
        assert.equal(pending, '', 'the body ends with a whole event');
        return out;
      };
      const postTo = (path: string, body: unknown) => fetch(`${own.baseUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      try {
        const [chat, responses] = await Promise.all([
          blocks(await postTo('/v1/chat/completions', { model: 'patient/conf-silent-chat', messages: [{ role: 'user', content: 'x' }], stream: true })),
          blocks(await postTo('/v1/responses', { model: 'patient/conf-silent-responses', input: 'x', stream: true })),
        ]);
        for (const [api, body] of [['chat', chat], ['responses', responses]] as const) {
          const comments = body.filter((b) => b.text.startsWith(':'));
          assert.ok(comments.every((c) => c.text === ': keep-alive'));
          assert.ok(comments.length >= 5, `${api}: ${comments.length} keep-alive comments`);
          const gaps = body.slice(1).map((b, i) => b.at - body[i]!.at);
          assert.ok(Math.max(...gaps) < 3_000, `${api}: a silence of ${Math.max(...gaps)} ms on the wire`);
        }
        const chatData = chat.filter((b) => !b.text.startsWith(':')).map((b) => b.text.slice('data: '.length));
        assert.equal(chatData.at(-1), '[DONE]');
        assert.equal(chatData.slice(0, -1).map((d) => JSON.parse(d).choices[0]?.delta.content ?? '').join(''), 'one two');
        const events = parseResponseEvents(responses.filter((b) => !b.text.startsWith(':')).map((b) => `${b.text}\n\n`).join(''));
        assert.equal(events.at(-1)!.type, 'response.completed');
        assert.equal(events.at(-1)!.response.output[0].content[0].text, 'one two');

        for (const model of ['stalling/conf-stall', 'stalling/conf-comments']) {
          const body = await blocks(await postTo('/v1/responses', { model, input: 'x', stream: true }));
          const data = body.filter((b) => !b.text.startsWith(':')).map((b) => ({ at: b.at, json: JSON.parse(b.text.slice(b.text.indexOf('data: ') + 6)) }));
          const lastDelta = data.filter((d) => d.json.type === 'response.output_text.delta').at(-1)!;
          const last = data.at(-1)!;
          assert.equal(last.json.type, 'response.failed', model);
          assert.match(last.json.response.error.message, /sent no data for 300 ms \(stream_idle_timeout_ms\)/);
          assert.ok(last.at - lastDelta.at < 300 + 1_000, `${model}: failed ${last.at - lastDelta.at} ms after the last data event`);
        }

        const live = await postTo('/v1/responses', { model: 'slow', input: 'x', stream: true });
        const reading = blocks(live);
        await sleep(300);
        own.process.kill('SIGTERM');
        const body = await reading;
        const last = JSON.parse(body.filter((b) => !b.text.startsWith(':')).at(-1)!.text.split('data: ')[1]!);
        assert.equal(last.type, 'response.failed');
        assert.equal(last.response.error.message, 'The gateway is shutting down.');
        assert.equal((await own.exited).code, 0);
        assert.ok(own.logs.some((l) => l.msg === 'request completed' && l.outcome === 'failed' && l.path === '/v1/responses'));
      } finally {
        await own.stop();
      }
    });

    accessScenarios(() => target);

    test('Redis and PostgreSQL stores on this runtime: the SDK chain, retrieve, inputItems.list, delete; /ready; the gauge', async () => {
      const schema = await uniqueSchema();
      const prefix = uniquePrefix();
      try {
        for (const conversations of [{ store: 'redis', url: REDIS_URL, key_prefix: prefix }, { store: 'postgres', url: schema.url }]) {
          const own = await startServer(target, writeConfig(`${conformanceConfig(fake.baseUrl)}\n${stringify({ conversations })}`));
          try {
            const sdk = new OpenAI({ baseURL: `${own.baseUrl}/v1`, apiKey: 'test-key', maxRetries: 0 });
            const first = await sdk.responses.create({ model: 'mock', input: 'alpha', instructions: 'be kind' });
            const second = await sdk.responses.create({ model: 'mock', input: 'beta', previous_response_id: first.id });
            const third = await sdk.responses.stream({ model: 'mock', input: [{ role: 'user', content: 'gamma' }], previous_response_id: second.id }).finalResponse();
            assert.deepEqual([first.usage?.input_tokens, second.usage?.input_tokens, third.usage?.input_tokens], [3, 4, 7], conversations.store);
            const retrieved = await sdk.responses.retrieve(third.id);
            assert.equal(retrieved.output_text, 'Echo: gamma');
            const items = [];
            for await (const item of sdk.responses.inputItems.list(third.id)) items.push(item);
            assert.deepEqual(items.map((item) => (item as { content: unknown }).content), [[{ type: 'input_text', text: 'gamma' }]]);
            await sdk.responses.delete(third.id);
            await assert.rejects(sdk.responses.retrieve(third.id), (error: unknown) => error instanceof OpenAI.NotFoundError);
            const ready = await fetch(`${own.baseUrl}/ready`);
            assert.deepEqual(await ready.json(), { status: 'ready', checks: { store: 'ok', models: 'ok' } });
            const samples = parseExposition(await (await fetch(`${own.baseUrl}/metrics`)).text());
            assert.equal(sample(samples, 'conversation_active_count', { backend: conversations.store }), 2, conversations.store);
            assert.equal(own.logs.find((l) => l.msg === 'gateway started')!.store, conversations.store);
          } finally {
            await own.stop();
          }
        }
      } finally {
        await schema.drop();
        await cleanRedisPrefix(prefix);
      }
    });

    test('a bad config exits non-zero naming each key path', async () => {
      const { code, stderr } = await runToExit(target, writeConfig(BAD_CONFIG));
      assert.equal(code, 1);
      assert.match(stderr, /observability\.tracing\.sampler\.rate: got 1\.5; expected a number from 0 to 1/);
      assert.match(stderr, /observability\.colour: unknown key/);
    });

    // `deno serve` runs the module as a server only; every other entry point has the command.
    if (name !== 'deno-serve') {
      test('`keys new NAME` prints a new key and the config lines with its hash', async () => {
        const { command, args, cwd } = target.command();
        const child = spawn(command, [...args, 'keys', 'new', 'conf-team'], { cwd: cwd ?? ROOT, env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
        let stdout = '';
        child.stdout.on('data', (d) => (stdout += d));
        const code = await new Promise((resolve) => child.on('exit', resolve));
        assert.equal(code, 0);
        const key = /^  (sk-gw-[A-Za-z0-9_-]{43})$/m.exec(stdout)?.[1];
        assert.ok(key, stdout);
        assert.match(stdout, new RegExp(`- name: conf-team\\n\\s+key_sha256: "${createHash('sha256').update(key).digest('hex')}"`));
      });
    }
  });
}
