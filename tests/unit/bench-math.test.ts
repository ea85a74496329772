import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { median, medianInterval, pairedRatio, percent, spread } from '../../bench/lib/stats.ts';
import { checkTargets, summarize, type TargetInput } from '../../bench/lib/targets.ts';
import { renderReport, replaceBetweenMarkers } from '../../bench/lib/report.ts';
import { readFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { cpuSeconds } from '../../bench/lib/proc.ts';

describe('bench arithmetic', () => {
  test('median, spread', () => {
    assert.equal(median([3, 1, 2]), 2);
    assert.equal(median([4, 1, 3, 2]), 2.5);
    assert.ok(Number.isNaN(median([])));
    assert.deepEqual(spread([5, 1, 3]), { median: 3, min: 1, max: 5, n: 3 });
  });

  test('paired ratios cancel drift between rounds', () => {
    // The machine gets 2x slower in round 2; each round's ratio is still 1.1.
    const ratio = pairedRatio([110, 220, 110], [100, 200, 100]);
    assert.ok(Math.abs(ratio.median - 1.1) < 1e-12);
    assert.ok(Math.abs(ratio.max - ratio.min) < 1e-12);
    // Unpaired medians would be 110/100; a drift in one profile only is not hidden.
    assert.equal(pairedRatio([100, 300], [100, 100]).max, 3);
  });

  test('the performance section is replaced between its markers, and only there', () => {
    const doc = 'intro\n<!-- bench:start -->\nold\n<!-- bench:end -->\noutro';
    assert.equal(replaceBetweenMarkers(doc, 'new'), 'intro\n<!-- bench:start -->\nnew\n<!-- bench:end -->\noutro');
    assert.throws(() => replaceBetweenMarkers('no markers', 'x'), /no bench markers/);
    const page = readFileSync(new URL('../../docs/performance.md', import.meta.url), 'utf8');
    assert.ok(page.indexOf('<!-- bench:start -->') >= 0 && page.indexOf('<!-- bench:start -->') < page.indexOf('<!-- bench:end -->'));
  });

  test('percent', () => {
    assert.equal(percent(1.0234), '+2.3 %');
    assert.equal(percent(0.99), '-1.0 %');
  });

  test('targets: a verdict needs the whole interval on one side of the limit; a target holds only when every workload and measure passes', () => {
    const input = (profile: string, workload: string, measure: 'cpu_per_request' | 'p50_latency', min: number, median: number, max: number): TargetInput => ({
      runtime: 'node', workload, profile, measure, ratio: { median, min, max, n: 5, low: min, high: max, confidence: 0.9375 },
    });
    const verdicts = checkTargets([
      input('metrics', 'json', 'cpu_per_request', 0.99, 1.0, 1.009),
      input('metrics', 'stream', 'p50_latency', 0.97, 1.002, 1.04),
      input('tracing-10', 'json', 'cpu_per_request', 1.0, 1.01, 1.02),
      input('tracing-100', 'json', 'cpu_per_request', 1.051, 1.2, 1.3),
      input('tracing-100', 'json', 'p50_latency', 0.9, 1.0, 1.1),
      input('production', 'json', 'cpu_per_request', 3, 3, 3),
    ]);
    assert.deepEqual(verdicts.map((v) => [v.target, v.workload, v.measure, v.outcome]), [
      ['metrics < 1 %', 'json', 'cpu_per_request', 'pass'],
      ['metrics < 1 %', 'stream', 'p50_latency', 'inconclusive'],
      ['tracing 10 % < 2 %', 'json', 'cpu_per_request', 'pass'],
      ['tracing 100 % < 5 %', 'json', 'cpu_per_request', 'fail'],
      ['tracing 100 % < 5 %', 'json', 'p50_latency', 'inconclusive'],
    ]);
    assert.deepEqual(summarize(verdicts).map((s) => [s.target, s.outcome, s.worst]), [
      ['metrics < 1 %', 'inconclusive', 1.002],
      ['tracing 10 % < 2 %', 'pass', 1.01],
      ['tracing 100 % < 5 %', 'fail', 1.2],
    ]);
  });

  test('median interval: the widest order statistics that keep 90 % coverage, from the binomial distribution', () => {
    // n = 5: only [min, max] covers >= 90 % (1 - 2/32 = 93.75 %).
    assert.deepEqual(medianInterval([5, 1, 4, 2, 3]), { low: 1, high: 5, confidence: 0.9375 });
    // n = 8: [2nd, 7th] covers 1 - 2 * 9/256 = 92.97 %; [3rd, 6th] only 71 %.
    const eight = medianInterval([8, 1, 7, 2, 6, 3, 5, 4]);
    assert.deepEqual([eight.low, eight.high], [2, 7]);
    assert.ok(Math.abs(eight.confidence - (1 - 18 / 256)) < 1e-12);
    // n = 3 cannot reach 90 %: [min, max] and its 75 %.
    assert.deepEqual(medianInterval([3, 1, 2]), { low: 1, high: 3, confidence: 0.75 });
    assert.equal(medianInterval([7]).confidence, 0);
    const paired = pairedRatio([110, 220, 105, 100, 130], [100, 200, 100, 100, 100]);
    assert.deepEqual([paired.low, paired.high, paired.median], [1, 1.3, 1.1]);
  });

  test('the report states the rule behind its verdicts: a confidence interval over rounds, or none in a one-round quick run', () => {
    const report = (rounds: number, confidence: number, mode = 'full') =>
      renderReport({
        date: '2026-11-28T00:00:00Z', mode, command: 'npm run bench',
        machine: { cpu: 'cpu', cores: 2, memory_gib: 24, wrk: 'wrk 4.1' },
        results: [],
        targets: {
          verdicts: [{ runtime: 'node', target: 'metrics < 1 %', workload: 'instant json', measure: 'cpu_per_request', ratio: 1.004, low: 0.99, high: 1.02, confidence, rounds, limit: 1.01, outcome: 'inconclusive' }],
          summary: [{ runtime: 'node', target: 'metrics < 1 %', outcome: 'inconclusive', worst: 1.004 }],
        },
      });
    const full = report(8, 1 - 18 / 256);
    assert.match(full, /median over 8 rounds .* 93 % confidence interval/);
    assert.match(full, /\| node \| metrics < 1 % \| NOT RESOLVED \| \+0\.4 % \|/);
    assert.match(full, /\+0\.4 % \(−1\.0…\+2\.0\) \| NOT RESOLVED/);
    const quick = report(1, 0);
    assert.match(quick, /single round .* no confidence interval/);
    assert.doesNotMatch(quick, /0 % confidence/);
  });

  test('a quick run prints no verdict: its one short round cannot check a target', () => {
    const quick = renderReport({
      date: '2026-11-28T00:00:00Z', mode: 'quick', command: 'npm run bench -- --quick',
      machine: { cpu: 'cpu', cores: 2, memory_gib: 24, wrk: 'wrk 4.1' },
      results: [],
      targets: {
        verdicts: [{ runtime: 'node', target: 'tracing 10 % < 2 %', workload: 'instant json', measure: 'cpu_per_request', ratio: 1.2, low: 1.2, high: 1.2, confidence: 0, rounds: 1, limit: 1.02, outcome: 'fail' }],
        summary: [{ runtime: 'node', target: 'tracing 10 % < 2 %', outcome: 'fail', worst: 1.2 }],
      },
    });
    assert.doesNotMatch(quick, /\bFAIL\b|\bPASS\b|NOT RESOLVED/);
    assert.match(quick, /\| node \| tracing 10 % < 2 % \| not checked \(quick run\) \| \+20\.0 % \|/);
    assert.match(quick, /no target is checked/);
  });

  test('cpuSeconds keeps the time of threads that have ended (a runtime that ends threads must not seem to give CPU back)', async () => {
    // A process whose worker thread burns about 300 ms of CPU and ends, then idles until told to exit.
    const script = [
      "const { Worker } = require('node:worker_threads');",
      "const w = new Worker('const end = Date.now() + 300; while (Date.now() < end);', { eval: true });",
      "w.on('exit', () => { process.stdout.write('done\\n'); setInterval(() => {}, 1000); });",
    ].join('\n');
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const before = cpuSeconds(child.pid!);
      await once(child.stdout!, 'data');
      const after = cpuSeconds(child.pid!);
      // The worker's thread is gone from /proc/PID/task by now; its ~0.3 s must still be counted.
      assert.ok(after - before >= 0.2, `counted ${(after - before).toFixed(3)} s`);
      assert.ok(after - before < 2, `counted ${(after - before).toFixed(3)} s`);
    } finally {
      child.kill();
    }
  });
});
