import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { generatedFiles } from '../../compose/generate.ts';
import { DASHBOARDS } from '../../compose/grafana/dashboards.ts';

const compose = (path: string) => readFileSync(new URL(`../../compose/${path}`, import.meta.url), 'utf8');

test('the committed dashboards and PrometheusRule are what `npm run compose:generate` writes', () => {
  for (const [path, text] of generatedFiles()) assert.equal(compose(path), text, `compose/${path} is stale: run npm run compose:generate`);
});

test('dashboards: unique uids and panel titles, every panel has a query, a unit and a description', () => {
  assert.equal(new Set(DASHBOARDS.map((d) => d.uid)).size, DASHBOARDS.length);
  for (const dashboard of DASHBOARDS) {
    assert.equal(new Set(dashboard.panels.map((p) => p.title)).size, dashboard.panels.length, dashboard.title);
    for (const panel of dashboard.panels) {
      assert.ok(panel.queries.length > 0 && panel.unit && panel.description, `${dashboard.title} / ${panel.title}`);
    }
  }
  const json = JSON.parse(compose('grafana/dashboards/llm-gateway-overview.json'));
  assert.ok(json.panels.every((p: { datasource: { uid: string } }) => p.datasource.uid === 'prometheus'), 'panels use the provisioned datasource');
});
