import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { parseConfig } from '../../src/config/parse-config.ts';
import { CompactionSealer, SEALED_PREFIX, SealError } from '../../src/responses/compaction/compaction-sealer.ts';
import { SUMMARY_INSTRUCTIONS } from '../../src/responses/compaction/compaction-service.ts';
import { FakeUpstream } from '../fakes/fake-upstream.ts';
import { FAKE_COMPACTION_PREFIX } from '../fakes/wire/openai-responses-wire.ts';
import { RecordingCallHook } from '../fakes/recording-call-hook.ts';
import { fakeProviderCases, providersOf } from '../helpers/fake-providers.ts';
import { testGateway } from '../helpers/in-memory-gateway.ts';
import { sdkClient } from '../helpers/openai-client.ts';
import { parseExposition, sample } from '../helpers/metrics.ts';

const KEY = Buffer.alloc(32, 7).toString('base64');
const OTHER_KEY = Buffer.alloc(32, 9).toString('base64');
const WINDOW = [
  { role: 'user' as const, content: 'Plan a trip to Lisbon' },
  { role: 'assistant' as const, content: 'Sure: three days, trams and pastries.' },
];

const fake = new FakeUpstream();
before(() => fake.start());
after(() => fake.stop());

describe('compaction sealing', () => {
  test('round trip: a sealed summary opens to itself; each seal differs (random nonce)', async () => {
    const sealer = CompactionSealer.create(KEY);
    const a = await sealer.seal('the summary');
    const b = await sealer.seal('the summary');
    assert.ok(a.startsWith(SEALED_PREFIX));
    assert.notEqual(a, b);
    assert.equal(await sealer.open(a), 'the summary');
    assert.ok(!a.includes('summary'));
  });

  test('a summary too long to seal is cut so that the item still opens (multi-byte text included)', async () => {
    const sealer = CompactionSealer.create(KEY);
    const sealed = await sealer.seal('é"\n'.repeat(200_000));
    const opened = await sealer.open(sealed);
    assert.ok(opened.length > 10_000 && opened.length < 600_000);
    assert.ok('é"\n'.repeat(200_000).startsWith(opened));
  });

  test('an altered item, one sealed under another key, or a malformed one does not open', async () => {
    const sealed = await CompactionSealer.create(KEY).seal('secret plan');
    const body = sealed.slice(SEALED_PREFIX.length);
    const flipped = SEALED_PREFIX + body.slice(0, 20) + (body[20] === 'A' ? 'B' : 'A') + body.slice(21);
    const sealer = CompactionSealer.create(KEY);
    await assert.rejects(sealer.open(flipped), SealError);
    await assert.rejects(CompactionSealer.create(OTHER_KEY).open(sealed), /altered or sealed under another key/);
    await assert.rejects(sealer.open(`${SEALED_PREFIX}!!`), /malformed/);
    await assert.rejects(sealer.open('gwc9.abc'), /not made by this gateway/);
    await assert.rejects(sealer.open(SEALED_PREFIX + 'A'.repeat(300_000)), /longer than/);
  });

  test('the key is 32 bytes of base64; anything else stops the config', () => {
    assert.equal(parseConfig({ responses: { compaction_key: KEY } }).responses.compaction_key, KEY);
    assert.throws(() => parseConfig({ responses: { compaction_key: 'c2hvcnQ=' } }), /responses\.compaction_key.*32 bytes/s);
    assert.throws(() => parseConfig({ responses: { compaction_key: 'not base64 at all!' } }), /32 bytes/);
  });

  test('without a key: a warning at start-up that items do not survive a restart; with one, none', async () => {
    const unset = testGateway();
    assert.ok(unset.logs.some((l) => l.level === 'WARN' && /compaction_key is not set.*restart/.test(l.msg)));
    const set = testGateway({ responses: { compaction_key: KEY } });
    assert.ok(!set.logs.some((l) => /compaction_key/.test(l.msg)));
    // Items sealed by one process's random key do not open in another.
    const one = sdkClient(unset.gateway);
    const compacted = await one.responses.compact({ model: 'mock', input: WINDOW });
    const res = await set.post('/v1/responses', { model: 'mock', input: [...compacted.output, { role: 'user', content: 'go on' }] });
    assert.equal(res.status, 400);
    await Promise.all([unset.gateway.shutdown(), set.gateway.shutdown()]);
  });
});

describe('POST /v1/responses/compact', () => {
  test('the mock: user messages then one sealed compaction item, with usage; counted like any call', async () => {
    const hook = new RecordingCallHook();
    const { gateway, logs, request } = testGateway({ responses: { compaction_key: KEY } }, { callHooks: [hook] });
    const client = sdkClient(gateway);
    const compacted = await client.responses.compact({ model: 'mock', input: WINDOW });
    assert.equal(compacted.object, 'response.compaction');
    assert.match(compacted.id, /^resp_/);
    assert.ok(Math.abs(compacted.created_at - Date.now() / 1000) < 5);
    assert.deepEqual(compacted.output.map((i) => i.type), ['message', 'compaction']);
    assert.equal((compacted.output[0] as any).role, 'user');
    const item = compacted.output[1] as { type: 'compaction'; id: string; encrypted_content: string };
    assert.match(item.id, /^cmp_/);
    assert.ok(item.encrypted_content.startsWith(SEALED_PREFIX));
    assert.ok(compacted.usage.total_tokens > 0);
    assert.equal(hook.afters.length, 1);
    assert.equal(hook.afters[0]!.status, 'completed');
    assert.ok(logs.some((l) => l.msg === 'response generated'));
    const samples = parseExposition(await (await request('/metrics')).text());
    assert.equal(sample(samples, 'provider_requests_total', { provider: 'mock', model: 'mock', operation: 'generate', status: 'success' }), 1);
    assert.equal(sample(samples, 'provider_tokens_total', { provider: 'mock', model: 'mock', type: 'output' }), compacted.usage.output_tokens);
    // Given back as input, it opens and the conversation goes on.
    const next = await client.responses.create({ model: 'mock', input: [...compacted.output, { role: 'user', content: 'and then?' }] as any });
    assert.equal(next.output_text, 'Echo: and then?');
    // previous_response_id works as a window too.
    const first = await client.responses.create({ model: 'mock', input: 'remember me' });
    const fromPrevious = await client.responses.compact({ model: 'mock', previous_response_id: first.id });
    assert.equal(fromPrevious.output.at(-1)!.type, 'compaction');
    await gateway.shutdown();
  });

  test('tool turns reach a summarising provider as text (no tools are declared on that call)', async () => {
    const cases = fakeProviderCases(fake.baseUrl);
    const { gateway } = testGateway({ providers: providersOf(cases), models: [{ name: 'a', provider: 'anthropic', provider_model_id: 'cmp-tools' }], responses: { compaction_key: KEY } });
    const client = sdkClient(gateway);
    await client.responses.compact({
      model: 'a',
      input: [
        { role: 'user', content: 'Weather?' },
        { type: 'function_call', call_id: 'call_1', name: 'get_weather', arguments: '{"city":"Oslo"}' },
        { type: 'function_call_output', call_id: 'call_1', output: '21 C' },
      ],
    });
    const body = fake.last('cmp-tools').body;
    const sent = JSON.stringify(body.messages);
    assert.ok(!sent.includes('tool_use') && !sent.includes('tool_result'), sent);
    assert.ok(sent.includes('[called get_weather with {\\"city\\":\\"Oslo\\"}]'), sent);
    assert.ok(sent.includes('[result of call_1: 21 C]'), sent);
    await gateway.shutdown();
  });

  test('bad input: a tampered item is a 400 naming it; nothing to compact, unknown model, unknown keys likewise', async () => {
    const { gateway, post } = testGateway({ responses: { compaction_key: KEY } });
    const client = sdkClient(gateway);
    const compacted = await client.responses.compact({ model: 'mock', input: WINDOW });
    const item = compacted.output.at(-1) as any;
    const tampered = { ...item, encrypted_content: item.encrypted_content.slice(0, -4) + 'AAAA' };
    for (const path of ['/v1/responses', '/v1/responses/compact']) {
      const res = await post(path, { model: 'mock', input: [tampered, { role: 'user', content: 'x' }] });
      assert.equal(res.status, 400);
      const { error } = await res.json();
      assert.equal(error.param, 'input[0].encrypted_content');
      assert.equal(error.code, 'invalid_encrypted_content');
      assert.ok(error.message.includes(item.id));
    }
    assert.equal((await post('/v1/responses/compact', { model: 'mock' })).status, 400);
    assert.equal((await post('/v1/responses/compact', { model: 'nope', input: 'x' })).status, 404);
    assert.equal((await post('/v1/responses/compact', { model: 'mock', input: 'x', stream: true })).status, 400);
    const huge = await post('/v1/responses', { model: 'mock', input: [{ type: 'compaction', encrypted_content: 'x'.repeat(1_048_577) }] });
    assert.equal(huge.status, 400);
    await gateway.shutdown();
  });

  test('each provider type through the fake upstreams: OpenAI Responses passed through, the others summarised and sealed', async () => {
    const cases = fakeProviderCases(fake.baseUrl);
    const models = cases.map((c) => ({ name: `cmp-${c.name}`, provider: c.name, provider_model_id: `cmp-${c.name}` }));
    const { gateway } = testGateway({ providers: providersOf(cases), models, responses: { compaction_key: KEY } });
    const client = sdkClient(gateway);
    for (const c of cases) {
      const model = `cmp-${c.name}`;
      const compacted = await client.responses.compact({ model, input: WINDOW, instructions: 'Be brief.' });
      const upstream = fake.last(model);
      const item = compacted.output.at(-1) as any;
      assert.equal(item.type, 'compaction', c.name);
      assert.deepEqual(compacted.output.slice(0, -1).map((i: any) => i.role), ['user'], c.name);
      assert.ok(compacted.usage.total_tokens > 0, c.name);
      if (c.name === 'openai') {
        assert.equal(upstream.path, '/v1/responses/compact');
        assert.equal(upstream.body.instructions, 'Be brief.');
        assert.equal(upstream.body.input.length, 2);
        assert.equal(item.encrypted_content, `${FAKE_COMPACTION_PREFIX}2`);
      } else {
        assert.ok(JSON.stringify(upstream.body).includes(SUMMARY_INSTRUCTIONS.slice(0, 40)), c.name);
        assert.ok(item.encrypted_content.startsWith(SEALED_PREFIX), c.name);
      }
      // Back as input: OpenAI gets its own item; the others get the summary as a system/developer message.
      const next = await client.responses.create({ model, input: [...compacted.output, { role: 'user', content: 'next step?' }] as any });
      assert.equal(next.status, 'completed', c.name);
      const sent = JSON.stringify(fake.last(model).body);
      if (c.name === 'openai') assert.ok(sent.includes(`"encrypted_content":"${FAKE_COMPACTION_PREFIX}2"`));
      else {
        assert.ok(sent.includes('Summary of the earlier conversation'), c.name);
        assert.ok(sent.includes('Hello from the fake'), c.name);
        assert.ok(!sent.includes(SEALED_PREFIX), c.name);
      }
    }
    // An OpenAI item sent to another provider type cannot be read there: a 400 naming it.
    const openai = await client.responses.compact({ model: 'cmp-openai', input: WINDOW });
    await assert.rejects(client.responses.create({ model: 'cmp-anthropic', input: [...openai.output] as any }), (error: any) => {
      assert.equal(error.status, 400);
      assert.equal(error.param, 'input[1]');
      return true;
    });
    await gateway.shutdown();
  });
});
