import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parse } from 'yaml';
import { parseConfigText } from '../../src/config/parse-config.ts';

const read = (name: string) => readFileSync(new URL(`../../compose/${name}`, import.meta.url), 'utf8');

test('the compose config is a valid gateway config', () => {
  const config = parseConfigText(read('config.yaml'), {});
  assert.equal(config.server.address.port, 8080);
  assert.deepEqual(config.models.map((m) => m.name), ['mock']);
});

test('compose wires the gateway, its config and a Prometheus scraping its metrics path', () => {
  const compose = parse(read('docker-compose.yml'));
  assert.deepEqual(Object.keys(compose.services).sort(), ['gateway', 'prometheus']);
  assert.ok(compose.services.gateway.volumes.includes('./config.yaml:/etc/llm-gateway/config.yaml:ro'));
  assert.match(read('Dockerfile'), /CMD \["-config", "\/etc\/llm-gateway\/config.yaml"\]/);
  const prometheus = parse(read('prometheus.yml'));
  const job = prometheus.scrape_configs.find((j: { job_name: string }) => j.job_name === 'llm-gateway');
  assert.equal(job.metrics_path, parseConfigText(read('config.yaml'), {}).observability.metrics.path);
  assert.deepEqual(job.static_configs[0].targets, ['gateway:8080']);
});
