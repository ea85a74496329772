import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { PermissionError } from '../../src/errors/gateway-error.ts';
import type { CallHook } from '../../src/pipeline/call-hook.ts';
import { RecordingCallHook } from '../fakes/recording-call-hook.ts';
import { EventScriptProvider as ScriptedProvider, TEXT_EVENTS, type StreamScript } from '../fakes/event-script-provider.ts';
import { testGateway } from '../helpers/in-memory-gateway.ts';

const CONFIG = { providers: { s: { type: 'mock' } }, models: [{ name: 'm', provider: 's' }] };
const COMPLETED: StreamScript = { events: [...TEXT_EVENTS, { type: 'done', status: 'completed' }], then: 'end' };

function gatewayWith(script: StreamScript, hooks: CallHook[]) {
  const provider = new ScriptedProvider('s', script);
  return { provider, ...testGateway(CONFIG, { providers: new Map([['s', provider]]), callHooks: hooks }) };
}

const APIS = [
  { api: 'responses', path: '/v1/responses', body: (stream: boolean) => ({ model: 'm', input: 'x', stream }) },
  { api: 'chat_completions', path: '/v1/chat/completions', body: (stream: boolean) => ({ model: 'm', messages: [{ role: 'user', content: 'x' }], stream }) },
] as const;

/** Waits until the request has fully ended (its access log line is written). */
async function ended(logs: Array<Record<string, any>>): Promise<void> {
  for (let i = 0; i < 200 && !logs.some((l) => l.msg === 'request completed'); i++) await sleep(5);
}

for (const { api, path, body } of APIS) {
  describe(`call hooks on ${path}`, () => {
    test('a non-streamed call: before and after once each, after with the final usage', async () => {
      const hook = new RecordingCallHook();
      const { post, logs } = gatewayWith(COMPLETED, [hook]);
      assert.equal((await post(path, body(false))).status, 200);
      await ended(logs);
      assert.equal(hook.befores.length, 1);
      assert.equal(hook.befores[0]!.route.name, 'm');
      assert.deepEqual(hook.afters, [{ api, stream: false, status: 'completed', input: 7, output: 11, principal: 'anonymous', error: undefined }]);
      assert.equal(logs.filter((l) => l.msg === 'response generated').length, 1);
    });

    test('a completed stream: after once, with the usage the stream reported', async () => {
      const hook = new RecordingCallHook();
      const { post, logs } = gatewayWith(COMPLETED, [hook]);
      const res = await post(path, body(true));
      await res.text();
      await ended(logs);
      assert.equal(hook.befores.length, 1);
      assert.deepEqual(hook.afters, [{ api, stream: true, status: 'completed', input: 3, output: 5, principal: 'anonymous', error: undefined }]);
      const generated = logs.filter((l) => l.msg === 'response generated');
      assert.equal(generated.length, 1);
      assert.equal(generated[0]!.input_tokens, 3);
    });

    test('a stream the upstream breaks off mid-way: after once, failed, with the usage so far', async () => {
      const hook = new RecordingCallHook();
      const { post, logs } = gatewayWith({ events: TEXT_EVENTS, then: { error: new Error('upstream went away') } }, [hook]);
      const text = await (await post(path, body(true))).text();
      assert.match(text, /upstream went away|failed/);
      await ended(logs);
      assert.equal(hook.afters.length, 1);
      assert.equal(hook.afters[0]!.status, 'failed');
      assert.equal(hook.afters[0]!.input, 3);
      assert.equal(hook.afters[0]!.output, 5);
      assert.ok(hook.afters[0]!.error);
      assert.equal(logs.filter((l) => l.msg === 'response failed mid-stream').length, 1);
      assert.equal(logs.filter((l) => l.msg === 'response generated').length, 1);
    });

    test('a stream the client cancels: after once, cancelled, with the usage so far; no "response generated"', async () => {
      const hook = new RecordingCallHook();
      // Usage comes first here (as Anthropic's message_start reports it): the gateway has seen it when the client leaves.
      const [start, first, second, usage] = TEXT_EVENTS;
      const { post, logs } = gatewayWith({ events: [start!, usage!, first!, second!], then: 'hang' }, [hook]);
      const res = await post(path, body(true));
      const reader = res.body!.getReader();
      let text = '';
      while (!text.includes('world')) text += new TextDecoder().decode((await reader.read()).value);
      await reader.cancel();
      await ended(logs);
      await sleep(20);
      assert.deepEqual(hook.afters, [{ api, stream: true, status: 'cancelled', input: 3, output: 5, principal: 'anonymous', error: undefined }]);
      assert.ok(!logs.some((l) => l.msg === 'response generated'));
    });

    test('a before hook that refuses: its error is the answer, the provider is never called, after sees the refusal once', async () => {
      const hook = new RecordingCallHook(new PermissionError('Model m is not allowed for this key.'));
      const { post, provider, logs } = gatewayWith(COMPLETED, [hook]);
      for (const stream of [false, true]) {
        const res = await post(path, body(stream));
        assert.equal(res.status, 403);
        const error = (await res.json()).error;
        assert.equal(error.type, 'permission_error');
        assert.equal(error.message, 'Model m is not allowed for this key.');
      }
      assert.equal(provider.calls, 0);
      assert.deepEqual(hook.afters.map((a) => a.status), ['refused', 'refused']);
      assert.ok(!logs.some((l) => l.msg === 'response generated'));
    });
  });
}

test('hooks run in list order, and an after hook that throws is logged without touching the answer', async () => {
  const order: string[] = [];
  const first: CallHook = { before: () => void order.push('before 1'), after: () => void order.push('after 1') };
  const broken: CallHook = {
    before: async () => void order.push('before 2'),
    after: () => {
      order.push('after 2');
      throw new Error('accounting is down');
    },
  };
  const { post, logs } = gatewayWith(COMPLETED, [first, broken]);
  assert.equal((await post('/v1/responses', { model: 'm', input: 'x' })).status, 200);
  assert.deepEqual(order, ['before 1', 'before 2', 'after 1', 'after 2']);
  assert.ok(logs.some((l) => l.msg === 'call hook failed' && /accounting is down/.test(JSON.stringify(l.error))));
});

test('a provider that fails before answering: after once, failed, no usage', async () => {
  const hook = new RecordingCallHook();
  const provider = new ScriptedProvider('s', COMPLETED);
  provider.generate = () => Promise.reject(new Error('connection refused'));
  const { post } = testGateway(CONFIG, { providers: new Map([['s', provider]]), callHooks: [hook] });
  assert.equal((await post('/v1/responses', { model: 'm', input: 'x' })).status, 500);
  assert.equal(hook.afters.length, 1);
  assert.equal(hook.afters[0]!.status, 'failed');
  assert.equal(hook.afters[0]!.input, undefined);
});
