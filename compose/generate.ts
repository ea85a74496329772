/**
 * Writes the files derived from others, so they never drift apart:
 *   compose/grafana/dashboards/*.json           from compose/grafana/dashboards.ts
 *   compose/kubernetes/prometheus-rule.yaml     from compose/prometheus/alerts.yml
 * Run with `npm run compose:generate`; tests fail when a committed copy differs.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { DASHBOARDS, renderDashboard } from './grafana/dashboards.ts';

const HERE = new URL('.', import.meta.url).pathname;

/** Path (relative to compose/) → contents, for every generated file. */
export function generatedFiles(): Map<string, string> {
  const files = new Map<string, string>();
  for (const spec of DASHBOARDS) files.set(`grafana/dashboards/${spec.uid}.json`, `${JSON.stringify(renderDashboard(spec), null, 2)}\n`);
  files.set('kubernetes/prometheus-rule.yaml', prometheusRule(readFileSync(join(HERE, 'prometheus/alerts.yml'), 'utf8')));
  return files;
}

/** The Prometheus Operator's PrometheusRule carrying the same groups as the alert file. */
export function prometheusRule(alertsYaml: string): string {
  const { groups } = parse(alertsYaml) as { groups: unknown[] };
  const resource = {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PrometheusRule',
    metadata: { name: 'llm-gateway', labels: { 'app.kubernetes.io/name': 'llm-gateway' } },
    spec: { groups },
  };
  return `# Generated from compose/prometheus/alerts.yml by \`npm run compose:generate\`; edit that file, not this one.\n${stringify(resource, { lineWidth: 0 })}`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const [path, text] of generatedFiles()) {
    writeFileSync(join(HERE, path), text);
    console.log(`wrote compose/${path}`);
  }
}
