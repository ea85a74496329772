import assert from 'node:assert/strict';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { gzipSync } from 'node:zlib';
import { NodeTransport } from '../../src/adapters/node-transport.ts';
import { FakeUpstream } from '../fakes/fake-upstream.ts';
import { OtlpReceiver } from '../fakes/otlp-receiver.ts';
import type { Script } from '../fakes/script.ts';
import { fakeProviderCases, providersOf, type FakeProviderCase } from '../helpers/fake-providers.ts';
import { testGateway, type TestGateway } from '../helpers/in-memory-gateway.ts';
import { parseResponseEvents } from '../helpers/sse.ts';

/** A configured header value: as secret as the key. */
const HEADER_SECRET = 'hdr-secret-value-9999';
/** The upstream protocols, by the fake provider case that speaks each. */
const PROTOCOLS = ['openai', 'openai_chat', 'azure', 'anthropic', 'gemini', 'compatible'] as const;

const fake = new FakeUpstream();
const receiver = new OtlpReceiver();
let cases: FakeProviderCase[] = [];
let gw: TestGateway;
let tag = 0;

before(async () => {
  await fake.start();
  const endpoint = await receiver.start();
  cases = fakeProviderCases(fake.baseUrl);
  const providers = providersOf(cases);
  for (const c of cases) {
    providers[c.name] = { ...c.config, headers: { 'x-extra-auth': HEADER_SECRET } };
    // Small caps, so oversized answers are a few KiB.
    providers[`${c.name}_capped`] = { ...c.config, max_response_bytes: '2KiB', max_event_bytes: '1KiB' };
  }
  gw = testGateway(
    { providers, observability: { tracing: { enabled: true, sampler: { type: 'always' }, exporter: { endpoint } } } },
    { env: { OTEL_BSP_SCHEDULE_DELAY: '20' }, runtime: { name: 'nodejs', version: process.versions.node } },
  );
});
after(async () => {
  await gw.gateway.shutdown();
  await fake.stop();
  await receiver.close();
});

function scripted(script: Script): string {
  const model = `mu${++tag}`;
  fake.script(model, script);
  return model;
}

const caseOf = (name: string) => cases.find((c) => c.name === name)!;

/** A raw reply: status, headers and body written as they are. */
function raw(status: number, headers: Record<string, string>, body: string | Buffer): Script {
  return { kind: 'raw', respond: (res) => void res.writeHead(status, headers).end(body) };
}

/** A 200 event stream of the given frames. */
function sseReply(frames: string[]): Script {
  return {
    kind: 'raw',
    respond: (res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      for (const frame of frames) res.write(frame);
      res.end();
    },
  };
}

/** Each protocol's way to report an error mid-stream, with `text` in every field the gateway reads. */
function errorEvent(name: string, text: string): string {
  switch (name) {
    case 'anthropic':
      return `event: error\ndata: ${JSON.stringify({ type: 'error', error: { type: 'invalid_request_error', message: text, code: text, param: text } })}\n\n`;
    case 'openai':
      return `event: error\ndata: ${JSON.stringify({ type: 'error', code: text, message: text, param: text })}\n\n`;
    case 'gemini':
      return `data: ${JSON.stringify({ error: { code: 400, message: text, status: text } })}\n\n`;
    default:
      return `data: ${JSON.stringify({ error: { message: text, type: 'invalid_request_error', code: text, param: text } })}\n\n`;
  }
}

const responsesBody = (model: string, stream: boolean) => ({ model, input: 'x', stream });
const chatBody = (model: string, stream: boolean) => ({ model, messages: [{ role: 'user', content: 'x' }], stream });

describe('no secret leaves the process', () => {
  test('keys and configured header values echoed by an upstream reach no client body, header, log line or span', async () => {
    const secretsSeen: string[] = [];
    const responses: string[] = [];
    for (const name of PROTOCOLS) {
      const c = caseOf(name);
      // A key straddling the 1,000-character cut of the message, and header values in every field.
      const echo = `${'e'.repeat(990)}${c.key} and ${HEADER_SECRET}`;
      const body = { error: { message: echo, type: 'invalid_request_error', code: `${c.key}|${HEADER_SECRET}`, param: `${HEADER_SECRET}:${c.key}`, status: c.key } };
      const echoHeaders = { 'retry-after': c.key, 'x-request-id': c.key, 'request-id': HEADER_SECRET };
      const scripts: Script[] = [
        { kind: 'error', status: 400, body, headers: echoHeaders },
        { kind: 'error', status: 429, body, headers: echoHeaders },
        { kind: 'error', status: 500, body, headers: echoHeaders },
        raw(500, { 'content-type': 'text/plain' }, `upstream exploded with ${c.key}`),
        // Not JSON: a parser's message would quote the key.
        raw(200, { 'content-type': 'application/json' }, `{"answer": ${c.key}}`),
      ];
      for (const script of scripts) {
        for (const api of ['responses', 'chat'] as const) {
          const model = `${name}/${scripted(script)}`;
          const res = api === 'responses' ? await gw.post('/v1/responses', responsesBody(model, false)) : await gw.post('/v1/chat/completions', chatBody(model, false));
          assert.ok(res.status >= 400, `${name}: ${res.status}`);
          responses.push(`${res.status} ${JSON.stringify([...res.headers])} ${await res.text()}`);
        }
      }
      // Mid-stream: an error event, and an event that is not JSON, each carrying the secrets.
      for (const frame of [errorEvent(name, `${c.key} ${HEADER_SECRET}`), `data: {"broken": ${c.key} ${HEADER_SECRET}\n\n`]) {
        const model = `${name}/${scripted(sseReply([frame]))}`;
        const res = await gw.post('/v1/responses', responsesBody(model, true));
        const text = await res.text();
        assert.equal(parseResponseEvents(text).at(-1)!.type, 'response.failed', `${name}: ${text}`);
        responses.push(text);
        const chat = await gw.post('/v1/chat/completions', chatBody(model, true));
        responses.push(await chat.text());
      }
      secretsSeen.push(c.key);
    }
    await gw.gateway.forceFlush();
    await receiver.waitFor((s) => s.name === 'provider.generate_stream' && s.status.code === 'ERROR', 12);
    const everything = [...responses, ...gw.logs.map((l) => JSON.stringify(l)), JSON.stringify(receiver.spans, (_k, v) => (typeof v === 'bigint' ? String(v) : v))].join('\n');
    // The paths ran: errors were answered, logged and recorded.
    assert.ok(gw.logs.some((l) => l.msg === 'request failed'));
    assert.ok(gw.logs.some((l) => l.msg === 'response failed mid-stream'));
    assert.ok(receiver.spans.some((s) => s.events.some((e) => e.name === 'exception')));
    assert.match(everything, /\[redacted\]/);
    for (const secret of [...secretsSeen, HEADER_SECRET]) {
      assert.ok(!everything.includes(secret), `${secret} leaked`);
      // Not even the start of one, at a cut.
      assert.ok(!everything.includes(secret.slice(0, 12)), `a prefix of ${secret} leaked`);
    }
  });
});

describe('redirects are never followed', () => {
  let other: Server;
  let otherUrl = '';
  let reached = 0;
  before(async () => {
    other = createServer((req, res) => {
      reached++;
      req.resume();
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    otherUrl = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => other.close(() => resolve())));

  for (const [transport, fetch] of [['runtime fetch', undefined], ['Node transport', new NodeTransport().fetch]] as const) {
    test(`${transport}: 301/302/303/307/308 are a 502 naming the provider, and the other host receives nothing`, async () => {
      const local = fetch ? testGateway({ providers: providersOf(cases) }, { fetch }) : gw;
      for (const name of PROTOCOLS) {
        for (const status of [301, 302, 303, 307, 308]) {
          for (const stream of [false, true]) {
            const model = `${name}/${scripted(raw(status, { location: `${otherUrl}/stolen` }, ''))}`;
            const res = await local.post('/v1/responses', responsesBody(model, stream));
            assert.equal(res.status, 502, `${name} ${status}`);
            assert.equal(res.headers.get('x-should-retry'), 'false');
            const body = await res.json();
            assert.equal(body.error.code, 'upstream_error');
            assert.match(body.error.message, new RegExp(`^Provider '${name}' answered with a redirect \\(HTTP ${status}\\)`));
          }
        }
      }
      assert.equal(reached, 0);
    });
  }
});

describe('upstream bodies are read with a cap', () => {
  test('a non-streamed answer or an error body over max_response_bytes is a 502 too_large; nothing more is read', async () => {
    for (const name of PROTOCOLS) {
      for (const status of [200, 500, 400]) {
        // 1 MiB sent slowly in 4 KiB writes: the gateway must stop after the first few, not wait for all of it.
        const model = scripted({
          kind: 'raw',
          respond: async (res: ServerResponse) => {
            res.writeHead(status, { 'content-type': 'application/json' });
            for (let i = 0; i < 256 && !res.destroyed; i++) {
              res.write('x'.repeat(4096));
              await sleep(5);
            }
            res.end();
          },
        });
        const res = await gw.post('/v1/responses', responsesBody(`${name}_capped/${model}`, false));
        assert.equal(res.status, 502, `${name} ${status}`);
        assert.equal(res.headers.get('x-should-retry'), 'false');
        const body = await res.json();
        assert.equal(body.error.code, 'upstream_error');
        assert.equal(body.error.message, `Provider '${name}_capped' sent ${status === 200 ? 'an answer' : 'an error body'} larger than 2048 bytes (max_response_bytes).`);
        await fake.waitFor((r) => r.model === model && r.closedEarly, 2_000);
      }
    }
  });

  test('a declared content-length over the cap is refused before reading', async () => {
    const model = scripted({ kind: 'raw', respond: (res) => void res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100000' }).write('{') });
    const res = await gw.post('/v1/responses', responsesBody(`anthropic_capped/${model}`, false));
    assert.equal(res.status, 502);
    await fake.waitFor((r) => r.model === model && r.closedEarly, 2_000);
  });

  test('a stream event over max_event_bytes ends the stream with response.failed; the upstream is closed', async () => {
    for (const name of PROTOCOLS) {
      const model = scripted({
        kind: 'raw',
        respond: async (res: ServerResponse) => {
          res.writeHead(200, { 'content-type': 'text/event-stream' });
          res.write('data: ');
          for (let i = 0; i < 256 && !res.destroyed; i++) {
            res.write('y'.repeat(512));
            await sleep(5);
          }
          res.end('\n\n');
        },
      });
      const events = parseResponseEvents(await (await gw.post('/v1/responses', responsesBody(`${name}_capped/${model}`, true))).text());
      const last = events.at(-1)!;
      assert.equal(last.type, 'response.failed');
      assert.equal(last.response.error.message, `Provider '${name}_capped' sent a stream event larger than 1024 bytes (max_event_bytes).`);
      await fake.waitFor((r) => r.model === model && r.closedEarly, 2_000);
    }
  });

  test('answers within the caps pass', async () => {
    for (const name of PROTOCOLS) {
      const model = scripted({ kind: 'text', chunks: ['fits'] });
      for (const stream of [false, true]) {
        const res = await gw.post('/v1/responses', responsesBody(`${name}_capped/${model}`, stream));
        assert.equal(res.status, 200);
        await res.text();
      }
    }
  });
});

/** Per protocol: a non-streamed answer and a stream event of the wrong shape. */
const WRONG_SHAPES: Record<string, { answers: unknown[]; events: string[] }> = {
  openai: {
    answers: [{}, { status: 'completed', output: {} }, { status: 'completed', output: [{ type: 'function_call' }] }, []],
    events: ['event: response.output_item.added\ndata: {"type":"response.output_item.added","output_index":0}\n\n', 'data: {"type":"response.completed"}\n\n', 'data: []\n\n'],
  },
  openai_chat: {
    answers: [{}, { choices: [] }, { choices: [{}] }, { choices: [{ message: { content: 5 } }] }],
    events: ['data: {}\n\n', 'data: {"choices":[{"delta":{"tool_calls":{}}}]}\n\n', 'data: "text"\n\n'],
  },
  azure: { answers: [{}, { choices: 'x' }], events: ['data: {"choices":[{"delta":"x"}]}\n\n'] },
  compatible: { answers: [{}, null], events: ['data: {"object":"chat.completion.chunk"}\n\n'] },
  anthropic: {
    answers: [{}, { content: 'text' }, { content: [{ type: 'text' }] }, { content: [{ type: 'tool_use', name: 'f' }] }],
    events: ['event: content_block_start\ndata: {"type":"content_block_start","index":0}\n\n', 'event: message_start\ndata: {"type":"message_start"}\n\n', 'data: {}\n\n', 'event: content_block_delta\ndata: {"type":"content_block_delta","index":-1,"delta":{}}\n\n'],
  },
  gemini: {
    answers: [{}, { candidates: {} }, { candidates: [{ content: { parts: [{ functionCall: {} }] } }] }],
    events: ['data: {}\n\n', 'data: {"candidates":[{"content":{"parts":"x"}}]}\n\n'],
  },
};

describe('upstream answers are checked', () => {
  for (const name of PROTOCOLS) {
    test(`${name}: an answer of the wrong shape is a 502 naming the provider; a wrong-shaped event is response.failed`, async () => {
      for (const answer of WRONG_SHAPES[name]!.answers) {
        const model = `${name}/${scripted(raw(200, { 'content-type': 'application/json' }, JSON.stringify(answer)))}`;
        for (const res of [await gw.post('/v1/responses', responsesBody(model, false)), await gw.post('/v1/chat/completions', chatBody(model, false))]) {
          assert.equal(res.status, 502, `${name} ${JSON.stringify(answer)}`);
          const body = await res.json();
          assert.equal(body.error.code, 'upstream_error');
          assert.match(body.error.message, new RegExp(`^Provider '${name}' sent an answer the gateway could not read \\(`), JSON.stringify(answer));
        }
      }
      for (const event of WRONG_SHAPES[name]!.events) {
        const model = `${name}/${scripted(sseReply([event]))}`;
        const events = parseResponseEvents(await (await gw.post('/v1/responses', responsesBody(model, true))).text());
        const last = events.at(-1)!;
        assert.equal(last.type, 'response.failed', event);
        assert.match(last.response.error.message, new RegExp(`^Provider '${name}' sent a stream event the gateway could not read \\(`), event);
        const chat = await (await gw.post('/v1/chat/completions', chatBody(model, true))).text();
        assert.match(chat, new RegExp(`Provider '${name}' sent a stream event the gateway could not read`));
      }
    });
  }
});

describe('compressed upstream answers', () => {
  for (const [transport, fetch] of [['runtime fetch', undefined], ['Node transport', new NodeTransport().fetch]] as const) {
    test(`${transport}: a gzip-encoded answer and stream are decoded`, async () => {
      const local = fetch ? testGateway({ providers: providersOf(cases) }, { fetch }) : gw;
      const plain = new FakeUpstream();
      await plain.start();
      try {
        for (const name of PROTOCOLS) {
          const c = caseOf(name);
          const model = `gz${++tag}`;
          plain.script(model, { kind: 'text', chunks: ['zipped', ' answer'] });
          // Render the protocol's exact answer, then gzip it.
          const upstream = await fetch_(plain.baseUrl + c.path(model, false), name, model, false);
          const stream = await fetch_(plain.baseUrl + c.path(model, true), name, model, true);
          fake.script(model, (request) => raw(200, { 'content-type': request.body?.stream === true || request.path.includes('alt=sse') ? 'text/event-stream' : 'application/json', 'content-encoding': 'gzip' }, gzipSync(request.body?.stream === true || request.path.includes('alt=sse') ? stream : upstream)));
          const json = await (await local.post('/v1/responses', responsesBody(`${name}/${model}`, false))).json();
          assert.equal(json.output[0].content[0].text, 'zipped answer', name);
          const events = parseResponseEvents(await (await local.post('/v1/responses', responsesBody(`${name}/${model}`, true))).text());
          assert.equal(events.at(-1)!.type, 'response.completed', name);
          assert.equal(events.filter((e) => e.type === 'response.output_text.delta').map((e) => e.delta).join(''), 'zipped answer');
        }
      } finally {
        await plain.stop();
      }
    });
  }
});

/** The fake upstream's own rendering of an answer, as the bytes it would send. */
async function fetch_(url: string, name: string, model: string, stream: boolean): Promise<string> {
  const body = name === 'gemini' ? { contents: [] } : { model, stream, input: 'x', messages: [] };
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return res.text();
}
