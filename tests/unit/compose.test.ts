import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parse } from 'yaml';
import { parseConfigText } from '../../src/config/parse-config.ts';
import { parseDuration } from '../../src/config/units.ts';

const read = (name: string) => readFileSync(new URL(`../../compose/${name}`, import.meta.url), 'utf8');
const exists = (name: string) => existsSync(new URL(`../../compose/${name}`, import.meta.url));
const compose = () => parse(read('docker-compose.yml'));

test('the compose config is a valid gateway config that uses the stack: traces to Jaeger over OTLP/HTTP', () => {
  const config = parseConfigText(read('config.yaml'), {});
  assert.equal(config.server.address.port, 8080);
  assert.deepEqual(config.models.map((m) => m.name), ['mock']);
  assert.equal(config.observability.tracing.enabled, true);
  assert.equal(config.observability.tracing.exporter.endpoint, 'jaeger:4318');
  assert.ok(config.models[0]!.pricing, 'priced, so the cost panels have data');
  assert.match(read('config.yaml'), /--- shared state: begin ---[\s\S]*redis:\/\/redis:6379[\s\S]*--- shared state: end ---/);
});

test('compose wires the gateway, its config and a Prometheus scraping its metrics path', () => {
  const { services } = compose();
  assert.deepEqual(Object.keys(services).sort(), ['gateway', 'grafana', 'jaeger', 'postgres', 'prometheus', 'redis']);
  assert.ok(services.gateway.volumes.includes('./config.yaml:/etc/llm-gateway/config.yaml:ro'));
  assert.match(read('Dockerfile'), /CMD \["-config", "\/etc\/llm-gateway\/config.yaml"\]/);
  assert.match(read('Dockerfile.binary'), /CMD \["-config", "\/etc\/llm-gateway\/config.yaml"\]/);
  const prometheus = parse(read('prometheus.yml'));
  const job = prometheus.scrape_configs.find((j: { job_name: string }) => j.job_name === 'llm-gateway');
  assert.equal(job.metrics_path, parseConfigText(read('config.yaml'), {}).observability.metrics.path);
  assert.deepEqual(job.static_configs[0].targets, ['gateway:8080']);
});

test('a stop waits longer than the gateway drains (stop_grace_period > server.shutdown_grace)', () => {
  const grace = parseConfigText(read('config.yaml'), {}).server.shutdown_grace;
  const stop = parseDuration(compose().services.gateway.stop_grace_period)!;
  assert.ok(stop > grace, `stop_grace_period ${stop} ms, shutdown_grace ${grace} ms`);
});

test('Prometheus in compose loads the alert rules from where prometheus.yml names them', () => {
  const { rule_files } = parse(read('prometheus.yml'));
  const volumes: string[] = compose().services.prometheus.volumes;
  for (const file of rule_files as string[]) {
    assert.ok(exists(file), `${file} is not next to prometheus.yml`);
    assert.ok(volumes.includes(`./${file}:/etc/prometheus/${file}:ro`), `${file} is not mounted beside the config`);
  }
});

test('Grafana gets its datasources and the generated dashboards provisioned', () => {
  const volumes: string[] = compose().services.grafana.volumes;
  assert.ok(volumes.includes('./grafana/provisioning:/etc/grafana/provisioning:ro'));
  assert.ok(volumes.includes('./grafana/dashboards:/var/lib/grafana/dashboards:ro'));
  const datasources = parse(read('grafana/provisioning/datasources/datasources.yml')).datasources;
  assert.deepEqual(datasources.map((d: { uid: string }) => d.uid).sort(), ['jaeger', 'prometheus']);
  assert.equal(datasources.find((d: { uid: string }) => d.uid === 'prometheus').url, 'http://prometheus:9090');
  const provider = parse(read('grafana/provisioning/dashboards/dashboards.yml')).providers[0];
  assert.equal(provider.options.path, '/var/lib/grafana/dashboards');
  assert.ok(exists('grafana/dashboards/llm-gateway-overview.json'));
});

test('Jaeger accepts OTLP over HTTP; Redis and PostgreSQL are there for shared state', () => {
  const { services } = compose();
  assert.equal(services.jaeger.environment.COLLECTOR_OTLP_ENABLED, 'true');
  assert.equal(services.postgres.environment.POSTGRES_DB, 'gateway');
  assert.ok(services.redis.image);
});
