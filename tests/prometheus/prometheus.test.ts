import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { parse, stringify } from 'yaml';
import { ROOT, startServer, TARGETS, writeConfig, type RunningServer } from '../helpers/server.ts';
import { freePort } from '../../bench/lib/free-port.ts';
import { DASHBOARDS } from '../../compose/grafana/dashboards.ts';

/**
 * The seed's monitoring story end to end: Debian's Prometheus scrapes the
 * gateway with the scrape config users get (compose/prometheus.yml, interval
 * and target overridden), `hey` drives the seed's load-test command, and every
 * example query of the seed (the per-model quantile in its corrected form) is
 * answered with data through Prometheus's HTTP API. The same run checks every
 * Grafana panel's query and loads the alert rules. A second gateway, scraped
 * by the same job, has authentication, rate limits and a budget (on Redis, as
 * its conversations are), so the seed's keyless load test runs unchanged on
 * the first.
 */

const GATEWAY_CONFIG = `
server:
  address: "127.0.0.1:0"
providers:
  mock:
    type: mock
  broken:
    type: mock
    fail_after_chunks: 0
  flaky:
    type: mock
    fail_after_chunks: 2
  # Nothing listens there: every call fails (connection refused, retryable), so
  # the breaker opens and the fallback answers.
  down:
    type: openai_compatible
    base_url: http://127.0.0.1:9/v1
    circuit_breaker: { min_requests: 5, window: 10s, open_for: 60s }
observability:
  tracing:
    enabled: true
    sampler:
      type: always
    # Nothing listens there: exports fail, so dropped spans have data.
    exporter:
      endpoint: http://127.0.0.1:9
models:
  - name: gpt-4o-mini
    provider: mock
    pricing:
      input_per_million: 0.15
      output_per_million: 0.6
  - name: claude-sonnet
    provider: mock
  - name: broken
    provider: broken
  - name: flaky
    provider: flaky
  - name: resilient
    provider: down
    fallbacks: [gpt-4o-mini]
`;

const REDIS_URL = 'redis://127.0.0.1:6379/0';
const REDIS_PREFIX = `prometheus-test-${randomUUID()}:`;
const KEY_BUDGET = 'sk-prometheus-test-budget-0123456789';
const KEY_LIMITED = 'sk-prometheus-test-limited-0123456789';

/** Keys with a budget that a few calls spend and a small request bucket; conversations and limits on Redis. */
const ACCESS_CONFIG = `
server:
  address: "127.0.0.1:0"
providers:
  mock:
    type: mock
models:
  - name: metered
    provider: mock
    # Dear on purpose: a few calls spend the budget below.
    pricing:
      input_per_million: 1000
      output_per_million: 1000
auth:
  enabled: true
  api_keys:
    - name: team-budget
      key: ${KEY_BUDGET}
      budget: { usd_per_day: 0.02 }
    - name: team-limited
      key: ${KEY_LIMITED}
      rate_limit: { requests_per_second: 1, burst: 5 }
rate_limit:
  enabled: true
  requests_per_second: 1000
  burst: 1000
  backend: redis
  url: ${REDIS_URL}
  key_prefix: "${REDIS_PREFIX}rl:"
conversations:
  store: redis
  url: ${REDIS_URL}
  key_prefix: "${REDIS_PREFIX}conv:"
  ttl: 5m
`;

/**
 * Metrics that dashboards and alerts already use but the gateway does not
 * expose yet. A query on one of them must parse; once the gateway exposes the
 * metric it must return data like every other (and the test asks for the
 * entry to be removed).
 */
const PENDING_METRICS: string[] = [];

/** Grafana's variables, as Grafana would fill them in for a short time range. */
const grafanaVariables = (expr: string) => expr.replaceAll('$__rate_interval', '1m').replaceAll('$__range', '10m');

/**
 * The seed's example queries; the last is the corrected form of its unparseable "by model" query (ERRATA 1),
 * and the error rate also counts streams that failed after their 200 (which http_requests_total counts as 200).
 */
const QUERIES = {
  requestRate: 'rate(http_requests_total[5m])',
  p95Latency: 'histogram_quantile(0.95, rate(http_request_duration_seconds_bucket[5m]))',
  errorRate: '(sum(rate(http_requests_total{status=~"5.."}[5m])) or vector(0)) + sum(rate(gateway_stream_failures_total[5m]))',
  tokensPerMinute: 'rate(provider_tokens_total[1m]) * 60',
  providerP95: 'histogram_quantile(0.95, sum by (le, provider, model) (rate(provider_request_duration_seconds_bucket[5m])))',
};
const SEED_UNPARSEABLE = 'histogram_quantile(0.95, rate(provider_request_duration_seconds_bucket[5m])) by (provider, model)';

function requireTool(name: string): string {
  const found = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).stdout.trim();
  assert.ok(found, `${name} is not installed (apt-get install -y prometheus hey; .ci/run does this)`);
  return found;
}


interface Vector {
  metric: Record<string, string>;
  value: [number, string];
}

describe('real Prometheus', () => {
  let gateway: RunningServer;
  let access: RunningServer;
  let prometheus: ChildProcess;
  let promUrl: string;
  let promLog = '';

  async function query(expr: string): Promise<{ status: string; data?: { result: Vector[] }; errorType?: string; error?: string }> {
    const res = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(expr)}`);
    return res.json() as never;
  }

  async function scrapes(): Promise<number> {
    const up = await query('count_over_time(up{job="llm-gateway"}[10m])');
    return Number(up.data?.result[0]?.value[1] ?? 0);
  }

  async function waitForScrapes(count: number): Promise<void> {
    const start = await scrapes();
    for (let i = 0; (await scrapes()) < start + count; i++) {
      assert.ok(i < 60, `Prometheus stopped scraping:\n${promLog.slice(-2000)}`);
      await sleep(250);
    }
  }

  before(async () => {
    const prometheusBin = requireTool('prometheus');
    requireTool('hey');
    requireTool('promtool');
    // Failed exports are noticed quickly: short batch delay and export timeout.
    [gateway, access] = await Promise.all([
      startServer(TARGETS.node!, writeConfig(GATEWAY_CONFIG), { OTEL_BSP_SCHEDULE_DELAY: '200', OTEL_EXPORTER_OTLP_TIMEOUT: '500' }),
      startServer(TARGETS.node!, writeConfig(ACCESS_CONFIG)),
    ]);

    // The scrape config users get, with a 1 s interval and this test's gateway as the target.
    const config = parse(readFileSync(join(ROOT, 'compose/prometheus.yml'), 'utf8'));
    config.global.scrape_interval = '1s';
    config.global.evaluation_interval = '1s';
    const job = config.scrape_configs.find((j: { job_name: string }) => j.job_name === 'llm-gateway');
    job.static_configs[0].targets = [gateway, access].map((g) => new URL(g.baseUrl).host);
    config.rule_files = [join(ROOT, 'compose/prometheus/alerts.yml')];
    const dir = mkdtempSync(join(tmpdir(), 'prometheus-'));
    writeFileSync(join(dir, 'prometheus.yml'), stringify(config));
    const port = await freePort();
    promUrl = `http://127.0.0.1:${port}`;
    prometheus = spawn(
      prometheusBin,
      [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    prometheus.stderr!.on('data', (d) => (promLog += d));
    for (let i = 0; ; i++) {
      const ready = await fetch(`${promUrl}/-/ready`).then((r) => r.ok, () => false);
      if (ready) break;
      assert.ok(i < 100, `Prometheus did not become ready:\n${promLog.slice(-2000)}`);
      await sleep(200);
    }
  });

  after(async () => {
    prometheus?.kill('SIGKILL');
    await Promise.all([gateway?.stop(), access?.stop()]);
    const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
    try {
      await redis.connect();
      const keys = await redis.keys(`${REDIS_PREFIX}*`);
      if (keys.length > 0) await redis.del(...keys);
    } finally {
      redis.disconnect();
    }
  });

  test("the seed's load test, then every example query returns plausible data", async () => {
    const url = `${gateway.baseUrl}/v1/responses`;
    // A gateway that has been running has its series already; rate() needs them to exist before the load.
    for (const body of ['{"model":"gpt-4o-mini","input":"test"}', '{"model":"claude-sonnet","input":"a b c","stream":true}', '{"model":"broken","input":"x"}', '{"model":"broken","input":"x","stream":true}']) {
      await (await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body })).text();
    }
    // Likewise on the second gateway: each answer (200, 401) once, before the load.
    for (const key of [undefined, 'sk-not-a-configured-key-0123456789', KEY_BUDGET, KEY_LIMITED]) {
      const headers: Record<string, string> = { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) };
      await (await fetch(`${access.baseUrl}/v1/responses`, { method: 'POST', headers, body: '{"model":"metered","input":"a b c"}' })).text();
    }
    await waitForScrapes(2);
    // The seed's command, verbatim but for the address.
    execFileSync('hey', ['-n', '1000', '-c', '10', '-m', 'POST', '-H', 'Content-Type: application/json', '-d', '{"model":"gpt-4o-mini","input":"test"}', url], { stdio: 'pipe' });
    // A second model, streamed, so "by model" has more than one series.
    execFileSync('hey', ['-n', '200', '-c', '5', '-m', 'POST', '-H', 'Content-Type: application/json', '-d', '{"model":"claude-sonnet","input":"a b c","stream":true}', url], { stdio: 'pipe' });
    // Provoke 5xx: the broken upstream answers 502.
    execFileSync('hey', ['-n', '50', '-c', '5', '-m', 'POST', '-H', 'Content-Type: application/json', '-d', '{"model":"broken","input":"x"}', url], { stdio: 'pipe' });
    // And streams that fail after their 200: response.failed, counted as status 200 and as a stream failure.
    execFileSync('hey', ['-n', '50', '-c', '5', '-m', 'POST', '-H', 'Content-Type: application/json', '-d', '{"model":"broken","input":"x","stream":true}', url], { stdio: 'pipe' });
    // Streams that fail after their start, and a 4xx (unknown model), for the dashboards.
    execFileSync('hey', ['-n', '20', '-c', '2', '-m', 'POST', '-H', 'Content-Type: application/json', '-d', '{"model":"flaky","input":"a b c d e","stream":true}', url], { stdio: 'pipe' });
    execFileSync('hey', ['-n', '10', '-c', '2', '-m', 'POST', '-H', 'Content-Type: application/json', '-d', '{"model":"nope","input":"x"}', url], { stdio: 'pipe' });
    // A model whose provider always fails: its breaker opens and the fallback answers every request.
    execFileSync('hey', ['-n', '40', '-c', '2', '-m', 'POST', '-H', 'Content-Type: application/json', '-d', '{"model":"resilient","input":"x"}', url], { stdio: 'pipe' });
    // The second gateway: no key and a wrong key (401), a key whose budget a few calls spend, a key with a small bucket (429).
    const accessUrl = `${access.baseUrl}/v1/responses`;
    const metered = ['-m', 'POST', '-H', 'Content-Type: application/json', '-d', '{"model":"metered","input":"a b c"}'];
    execFileSync('hey', ['-n', '40', '-c', '4', ...metered, accessUrl], { stdio: 'pipe' });
    execFileSync('hey', ['-n', '20', '-c', '2', '-H', 'Authorization: Bearer sk-not-a-configured-key-0123456789', ...metered, accessUrl], { stdio: 'pipe' });
    execFileSync('hey', ['-n', '40', '-c', '2', '-H', `Authorization: Bearer ${KEY_BUDGET}`, ...metered, accessUrl], { stdio: 'pipe' });
    execFileSync('hey', ['-n', '40', '-c', '4', '-H', `Authorization: Bearer ${KEY_LIMITED}`, ...metered, accessUrl], { stdio: 'pipe' });

    await waitForScrapes(3);

    const series = async (name: keyof typeof QUERIES) => {
      const result = await query(QUERIES[name]);
      assert.equal(result.status, 'success', `${name}: ${result.error}`);
      assert.ok(result.data!.result.length > 0, `${name} returned no series`);
      return result.data!.result.map((r) => ({ labels: r.metric, value: Number(r.value[1]) }));
    };
    const find = (rows: Array<{ labels: Record<string, string>; value: number }>, labels: Record<string, string>) => {
      const row = rows.find((r) => Object.entries(labels).every(([k, v]) => r.labels[k] === v));
      assert.ok(row, `no series with ${JSON.stringify(labels)} in ${JSON.stringify(rows.map((r) => r.labels))}`);
      return row.value;
    };

    const rate = await series('requestRate');
    assert.ok(find(rate, { method: 'POST', path: '/v1/responses', status: '200' }) > 0);

    const p95 = await series('p95Latency');
    const latency = find(p95, { method: 'POST', path: '/v1/responses' });
    assert.ok(latency > 0 && latency < 5, `p95 ${latency} s`);

    const errors = await series('errorRate');
    assert.equal(errors.length, 1);
    const scalar = async (expr: string) => Number((await query(expr)).data!.result[0]!.value[1]);
    const answered5xx = await scalar('sum(rate(http_requests_total{status=~"5.."}[5m]))');
    const failedStreams = await scalar('sum(rate(gateway_stream_failures_total{path="/v1/responses",reason="upstream_error"}[5m]))');
    assert.ok(answered5xx > 0 && failedStreams > 0, `5xx ${answered5xx}/s, failed streams ${failedStreams}/s`);
    // Evaluated at slightly different times, so compared loosely: the error rate counts both.
    assert.ok(errors[0]!.value > answered5xx * 1.2, `error rate ${errors[0]!.value}/s, 5xx alone ${answered5xx}/s`);

    const tokens = await series('tokensPerMinute');
    assert.ok(find(tokens, { provider: 'mock', model: 'gpt-4o-mini', type: 'input' }) > 0);
    assert.ok(find(tokens, { provider: 'mock', model: 'gpt-4o-mini', type: 'output' }) > 0);
    assert.ok(find(tokens, { provider: 'mock', model: 'claude-sonnet', type: 'output' }) > 0);

    const byModel = await series('providerP95');
    for (const model of ['gpt-4o-mini', 'claude-sonnet']) {
      const value = find(byModel, { provider: 'mock', model });
      assert.ok(value > 0 && value < 5, `${model} p95 ${value} s`);
    }
    assert.deepEqual(Object.keys(byModel[0]!.labels).sort(), ['model', 'provider']);

    // The load moved what the resilience and access panels show.
    assert.equal(await scalar('max(circuit_breaker_state{provider="down"})'), 1, 'the failing provider’s breaker is open');
    // Counted per call that failed before the fallback; once the breaker is open, requests go to the fallback without a failed call.
    const fellBack = await scalar('sum(gateway_fallbacks_total{model="resilient", from="resilient", to="gpt-4o-mini"})');
    const failedCalls = await scalar('sum(provider_requests_total{provider="down", status="error"})');
    assert.ok(fellBack >= 5 && fellBack === failedCalls, `${fellBack} fallbacks after ${failedCalls} failed calls`);
    assert.ok((await scalar('sum(auth_failures_total{reason="missing"})')) >= 40);
    assert.ok((await scalar('sum(auth_failures_total{reason="unknown_key"})')) >= 20);
    assert.ok((await scalar('sum(rate_limit_decisions_total{decision="refused", limit="budget"})')) > 0, 'the budget refused calls');
    assert.ok((await scalar('sum(rate_limit_decisions_total{decision="refused", limit="requests"})')) > 0, 'the small bucket refused requests');
    const used = await scalar('max by (identity) (rate_limit_budget_spent_usd{identity="team-budget"}) / max by (identity) (rate_limit_budget_limit_usd)');
    assert.ok(used >= 1, `team-budget spent ${used} of its budget, then was refused`);
  });

  test("the seed's own per-model query does not parse (ERRATA 1); the documented form does", async () => {
    const bad = await query(SEED_UNPARSEABLE);
    assert.equal(bad.status, 'error');
    assert.equal(bad.errorType, 'bad_data');
    assert.match(bad.error!, /unexpected <by>/);
    const doc = readFileSync(join(ROOT, 'docs', 'metrics.md'), 'utf8');
    for (const expr of Object.values(QUERIES)) assert.ok(doc.includes(expr), `docs/metrics.md does not show ${expr}`);
    assert.ok(!doc.includes(SEED_UNPARSEABLE));
  });

  test('every Grafana panel query parses and returns data from the gateway under load', async () => {
    const exposition = await (await fetch(`${gateway.baseUrl}/metrics`)).text();
    const exposed = (metric: string) => new RegExp(`^${metric}(\\{| )`, 'm').test(exposition);
    for (const metric of PENDING_METRICS) assert.ok(!exposed(metric), `${metric} is exposed now: remove it from PENDING_METRICS so its panels are checked for data`);
    const empty: string[] = [];
    let checked = 0;
    for (const dashboard of DASHBOARDS) {
      for (const panel of dashboard.panels) {
        for (const { expr } of panel.queries) {
          const where = `${dashboard.title} / ${panel.title}: ${expr}`;
          // Counters that moved only in the last seconds (dropped spans) may need another scrape or two.
          let result = await query(grafanaVariables(expr));
          for (let i = 0; i < 20 && result.status === 'success' && result.data!.result.length === 0; i++) {
            await sleep(500);
            result = await query(grafanaVariables(expr));
          }
          assert.equal(result.status, 'success', `${where}: ${result.error}`);
          const pending = PENDING_METRICS.some((m) => expr.includes(m));
          if (result.data!.result.length === 0 && !pending) empty.push(where);
          checked++;
        }
      }
    }
    assert.deepEqual(empty, [], 'panels without data');
    assert.ok(checked >= 30, `only ${checked} queries`);
  });

  test('Prometheus loads the alert rules and evaluates every one without error', async () => {
    type Rules = { data: { groups: Array<{ rules: Array<{ name: string; health: string; lastError?: string; lastEvaluation: string }> }> } };
    let rules: Rules['data']['groups'][number]['rules'] = [];
    for (let i = 0; i < 40; i++) {
      const body = (await (await fetch(`${promUrl}/api/v1/rules`)).json()) as Rules;
      rules = body.data.groups.flatMap((g) => g.rules);
      if (rules.length > 0 && rules.every((r) => r.health !== 'unknown')) break;
      await sleep(250);
    }
    const names = rules.map((r) => r.name);
    const expected = ['LLMGatewayHighErrorRate', 'LLMGatewayInstanceDown', 'LLMGatewayProviderErrors', 'LLMGatewayStoreErrors', 'LLMGatewaySpansDropped'];
    expected.push('LLMGatewayCircuitBreakerOpen', 'LLMGatewayAuthFailures', 'LLMGatewayRateLimitRejections', 'LLMGatewayBudgetNearlySpent');
    for (const alert of expected) assert.ok(names.includes(alert), `${alert} not loaded: ${names}`);
    for (const rule of rules) assert.equal(rule.health, 'ok', `${rule.name}: ${rule.lastError}`);
  });

  test('promtool check metrics accepts the exposition (its only lint is the seed-mandated gauge name)', async () => {
    for (const server of [gateway, access]) {
      const exposition = await (await fetch(`${server.baseUrl}/metrics`)).text();
      const result = spawnSync('promtool', ['check', 'metrics'], { input: exposition, encoding: 'utf8' });
      const problems = `${result.stdout}${result.stderr}`.trim().split('\n').filter(Boolean);
      // Exit 1 would be a format error; 3 means lint findings only.
      assert.ok(result.status === 0 || result.status === 3, `promtool exited ${result.status}: ${problems.join('\n')}`);
      assert.deepEqual(problems, ['conversation_active_count non-histogram and non-summary metrics should not have "_count" suffix']);
    }
  });
});
