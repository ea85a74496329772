import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checkFloors, floorLimit, perEvent, type FloorFigures } from '../../bench/lib/floor-targets.ts';
import { renderReadmeSummary, renderReport, renderSummary, type ReportRun } from '../../bench/lib/report.ts';
import { summarize } from '../../bench/lib/targets.ts';

const eight = (f: (i: number) => number) => Array.from({ length: 8 }, (_, i) => f(i));

describe('bench floors: gateway ÷ floor', () => {
  test('limits: 1.5× everywhere but Node streams (2×); 1.5× per event on every runtime', () => {
    assert.equal(floorLimit('node', 'instant json', 'cpu_per_request'), 1.5);
    assert.equal(floorLimit('node', 'instant stream(20)', 'cpu_per_request'), 2);
    assert.equal(floorLimit('node', 'realistic stream(50)', 'cpu_per_request'), 2);
    assert.equal(floorLimit('node', 'realistic stream(50)', 'cpu_per_event'), 1.5);
    for (const runtime of ['bun', 'deno']) {
      for (const workload of ['instant json', 'instant stream(20)', 'realistic stream(50)']) assert.equal(floorLimit(runtime, workload, 'cpu_per_request'), 1.5);
    }
    assert.deepEqual(perEvent([100, 250], 50), [2, 5]);
  });

  test('ratios are paired by round, and a verdict needs the whole interval on one side of the limit', () => {
    // The machine drifts 3× over the rounds; the per-round ratio stays 1.8 for Node streams, so it passes 2× and fails 1.5×.
    const floors: FloorFigures[] = [
      {
        runtime: 'node',
        workloads: {
          'instant json': { events: 0, floorCpu: eight((i) => 100 * (1 + i / 4)), gatewayCpu: eight((i) => 140 * (1 + i / 4) * (i % 2 ? 1.1 : 1)) },
          'instant stream(20)': { events: 20, floorCpu: eight((i) => 600 + 100 * i), gatewayCpu: eight((i) => 1.8 * (600 + 100 * i)) },
          'realistic stream(50)': { events: 50, floorCpu: eight(() => 2000), gatewayCpu: eight(() => 3600) },
        },
      },
      { runtime: 'bun', workloads: { 'instant json': { events: 0, floorCpu: eight(() => 100), gatewayCpu: eight((i) => [120, 160, 140, 150, 130, 170, 145, 155][i]!) } } },
    ];
    const verdicts = checkFloors(floors);
    const by = (runtime: string, workload: string, measure: string) => verdicts.find((v) => v.runtime === runtime && v.workload === workload && v.measure === measure)!;
    // Node JSON: ratios 1.4 and 1.54 in turn: the interval straddles 1.5.
    assert.equal(by('node', 'instant json', 'cpu_per_request').outcome, 'inconclusive');
    assert.ok(Math.abs(by('node', 'instant stream(20)', 'cpu_per_request').ratio - 1.8) < 1e-12);
    assert.equal(by('node', 'instant stream(20)', 'cpu_per_request').outcome, 'pass');
    assert.equal(by('node', 'realistic stream(50)', 'cpu_per_request').outcome, 'pass');
    // Per event of the realistic stream: 72 µs against 40 µs, 1.8× > 1.5×.
    const event = by('node', 'realistic stream(50)', 'cpu_per_event');
    assert.equal(event.outcome, 'fail');
    assert.equal(event.target, 'µs per event ≤ 1.5× floor');
    // Only the realistic stream carries a per-event verdict.
    assert.equal(verdicts.filter((v) => v.measure === 'cpu_per_event').length, 1);
    // Bun: sorted ratios 1.2 … 1.7, the 93 % interval [1.3, 1.6] straddles 1.5; median 1.475.
    const bun = by('bun', 'instant json', 'cpu_per_request');
    assert.deepEqual([bun.low, bun.high, bun.outcome, bun.rounds], [1.3, 1.6, 'inconclusive', 8]);
    assert.ok(Math.abs(bun.ratio - 1.475) < 1e-12);
    assert.deepEqual(summarize(verdicts).map((s) => [s.runtime, s.target, s.outcome]), [
      ['node', 'off ≤ 1.5× floor', 'inconclusive'],
      ['node', 'off ≤ 2.0× floor', 'pass'],
      ['node', 'µs per event ≤ 1.5× floor', 'fail'],
      ['bun', 'off ≤ 1.5× floor', 'inconclusive'],
    ]);
  });

  test('the report shows the floor table with µs per event; a quick run prints figures without a verdict', () => {
    const floor: FloorFigures = { runtime: 'deno', workloads: { 'realistic stream(50)': { events: 50, floorCpu: [2000], gatewayCpu: [3000] } } };
    const run = (mode: string): ReportRun => {
      const verdicts = checkFloors([floor]);
      return {
        date: '2026-11-28T00:00:00Z', mode, command: 'npm run bench',
        machine: { cpu: 'cpu', cores: 2, memory_gib: 24, wrk: 'wrk 4.1' },
        results: [{ runtime: 'deno', version: 'deno 2', profiles: {}, direct: {}, floor }],
        targets: {
          verdicts: [{ runtime: 'deno', target: 'metrics < 1 %', workload: 'instant json', measure: 'cpu_per_request', ratio: 1, low: 1, high: 1, confidence: 0, rounds: 1, limit: 1.01, outcome: 'pass' }],
          summary: [{ runtime: 'deno', target: 'metrics < 1 %', outcome: 'pass', worst: 1 }],
        },
        floors: { verdicts, summary: summarize(verdicts) },
      };
    };
    const quick = renderReport(run('quick'));
    assert.match(quick, /### Floors/);
    assert.match(quick, /\| deno \| realistic stream\(50\) \| CPU µs\/req \| 2000\.0 \| 3000\.0 \| 1\.50× \| ≤ 1\.5× \| not checked \(quick run\) \|/);
    assert.match(quick, /\| deno \| realistic stream\(50\) \| CPU µs\/event \| 40\.0 \| 60\.0 \| 1\.50× \| ≤ 1\.5× \| not checked \(quick run\) \|/);
    assert.doesNotMatch(quick, /\bPASS\b|\bFAIL\b/);
    // One round has no interval: a full run with one round is judged on the point, 1.5 within 1.5.
    assert.match(renderSummary(run('full')), /CPU µs\/event \| 40\.0 \| 60\.0 \| 1\.50× \| ≤ 1\.5× \| PASS \|/);
    // The README's section: the seed targets and, per runtime, gateway ÷ floor (per event for the realistic stream).
    const readme = renderReadmeSummary(run('full'));
    assert.match(readme, /\| target \| deno \|\n\|---\|---\|\n\| metrics < 1 % \| PASS \(worst median \+0\.0 %\) \|/);
    assert.match(readme, /\| runtime \| realistic stream\(50\) \|\n\|---\|---\|\n\| deno \| 1\.50× PASS \(≤ 1\.5×\) \|/);
    assert.match(readme, /\[docs\/performance\.md\]\(docs\/performance\.md\)/);
  });
});
