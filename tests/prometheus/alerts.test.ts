import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { ROOT } from '../helpers/server.ts';

/**
 * The alert rules users deploy (compose/prometheus/alerts.yml) pass
 * `promtool check rules`, and their unit tests (alerts.test.yml) pass
 * `promtool test rules` and cover every alert both firing and quiet.
 */

const RULES = join(ROOT, 'compose/prometheus/alerts.yml');
const RULE_TESTS = join(ROOT, 'compose/prometheus/alerts.test.yml');

function promtool(...args: string[]): string {
  const result = spawnSync('promtool', args, { encoding: 'utf8' });
  assert.ok(!result.error, 'promtool is not installed (apt-get install -y prometheus; .ci/run does this)');
  const output = `${result.stdout}${result.stderr}`;
  assert.equal(result.status, 0, output);
  return output;
}

interface Rule {
  alert?: string;
  record?: string;
}
interface AlertTest {
  alertname: string;
  exp_alerts?: unknown[];
}

test('promtool check rules accepts the alert rules', () => {
  assert.match(promtool('check', 'rules', RULES), /SUCCESS: \d+ rules found/);
});

test('promtool check config accepts the compose scrape config, rule file included', () => {
  assert.match(promtool('check', 'config', join(ROOT, 'compose/prometheus.yml')), /SUCCESS/);
});

test('promtool test rules: every alert has a firing case and a quiet case, and all pass', () => {
  const groups = (parse(readFileSync(RULES, 'utf8')) as { groups: Array<{ rules: Rule[] }> }).groups;
  const alerts = groups.flatMap((g) => g.rules).flatMap((r) => (r.alert ? [r.alert] : []));
  assert.ok(alerts.length >= 7, `only ${alerts.length} alerts`);
  const cases = (parse(readFileSync(RULE_TESTS, 'utf8')) as { tests: Array<{ alert_rule_test?: AlertTest[] }> }).tests.flatMap((t) => t.alert_rule_test ?? []);
  for (const alert of alerts) {
    const mine = cases.filter((c) => c.alertname === alert);
    assert.ok(mine.some((c) => (c.exp_alerts ?? []).length > 0), `${alert} has no case where it fires`);
    assert.ok(mine.some((c) => (c.exp_alerts ?? []).length === 0), `${alert} has no case where it stays quiet`);
  }
  for (const c of cases) assert.ok(alerts.includes(c.alertname), `alerts.test.yml tests ${c.alertname}, which alerts.yml does not define`);
  assert.match(promtool('test', 'rules', RULE_TESTS), /SUCCESS/);
});
