import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { UpstreamError } from '../../src/errors/gateway-error.ts';
import { createLogger, MAX_FIELD_LENGTH } from '../../src/observability/logger.ts';
import { OtlpReceiver, type AttributeValue } from '../fakes/otlp-receiver.ts';
import { ThrowingProvider } from '../fakes/throwing-provider.ts';
import { MOCK_MODELS, testGateway } from '../helpers/in-memory-gateway.ts';

const RUNTIME = { name: 'nodejs', version: process.versions.node };
const LIMIT = 1024;

describe('log field values have a length limit', () => {
  const lines = (format: 'json' | 'text') => {
    const out: string[] = [];
    return { out, logger: createLogger({ level: 'debug', format, sink: (line) => out.push(line) }) };
  };

  test('a long string field is cut at 1 KiB with a marker; short ones are untouched', () => {
    const { out, logger } = lines('json');
    logger.info('m', { model: 'x'.repeat(9 * 1024 * 1024), short: 'abc', exact: 'y'.repeat(MAX_FIELD_LENGTH) });
    assert.ok(out[0]!.length < 4 * 1024, `${out[0]!.length} characters`);
    const record = JSON.parse(out[0]!);
    assert.equal(record.model, `${'x'.repeat(MAX_FIELD_LENGTH)}…[${9 * 1024 * 1024 - MAX_FIELD_LENGTH} more characters]`);
    assert.equal(record.short, 'abc');
    assert.equal(record.exact, 'y'.repeat(MAX_FIELD_LENGTH));
  });

  test("an error's message and cause are cut too, in both formats", () => {
    for (const format of ['json', 'text'] as const) {
      const { out, logger } = lines(format);
      logger.error('failed', { error: new Error('e'.repeat(100_000), { cause: new Error('c'.repeat(100_000)) }) });
      assert.ok(out[0]!.length < 4 * 1024, `${format}: ${out[0]!.length} characters`);
      assert.match(out[0]!, /more characters\]/);
    }
  });
});

describe('span attribute values have a length limit', () => {
  let receiver: OtlpReceiver;
  let endpoint: string;
  before(async () => {
    receiver = new OtlpReceiver();
    endpoint = await receiver.start();
  });
  after(() => receiver.close());

  const strings = (attributes: Record<string, AttributeValue>) => Object.values(attributes).filter((v): v is string => typeof v === 'string');

  test('a 100 KB model name and a 100 KB error message reach no span attribute or event beyond 1 KiB', async () => {
    const huge = 'q'.repeat(100_000);
    const gw = testGateway(
      {
        ...MOCK_MODELS,
        providers: { ...MOCK_MODELS.providers, boom: { type: 'mock' } },
        models: [...MOCK_MODELS.models, { name: 'boom', provider: 'boom' }],
        observability: { tracing: { enabled: true, sampler: { type: 'always' }, exporter: { endpoint } } },
      },
      { env: { OTEL_BSP_SCHEDULE_DELAY: '20' }, runtime: RUNTIME, providers: new Map([['boom', new ThrowingProvider('boom', new UpstreamError(`upstream said ${huge}`))]]) },
    );
    await (await gw.post('/v1/responses', { model: `mock/${huge}`, input: 'x' }, { 'x-request-id': 'long-model' })).text();
    await (await gw.post('/v1/responses', { model: 'boom', input: 'x' }, { 'x-request-id': 'long-error' })).text();
    await gw.gateway.forceFlush();
    // A model name over the request limit is refused before any provider span; the server span stays bounded.
    for (const [id, count] of [['long-model', 1], ['long-error', 2]] as const) {
      const [server] = await receiver.waitFor((s) => s.attributes['http.request_id'] === id);
      const spans = await receiver.waitFor((s) => s.traceId === server!.traceId, count);
      for (const span of spans) {
        for (const value of strings(span.attributes)) assert.ok(value.length <= LIMIT, `${span.name}: an attribute of ${value.length} characters`);
        for (const event of span.events) for (const value of strings(event.attributes)) assert.ok(value.length <= LIMIT, `${span.name} ${event.name}: ${value.length} characters`);
      }
    }
    const failed = (await receiver.waitFor((s) => s.events.some((e) => String(e.attributes['exception.message'] ?? '').startsWith('upstream said'))))[0]!;
    assert.ok(failed, 'the exception was recorded');
    await gw.gateway.shutdown();
  });
});
