import { perEvent, type FloorFigures } from './floor-targets.ts';
import { renderConcurrency, type ConcurrencyFigures } from './concurrency.ts';
import { median, pairedRatio, percent } from './stats.ts';
import type { Outcome, TargetSummary, TargetVerdict } from './targets.ts';

/** The parts of a benchmark run the report reads (see bench/run.ts for the whole). */
export interface ReportRun {
  date: string;
  mode: string;
  command: string;
  machine: { cpu: string; cores: number; memory_gib: number; wrk: string };
  results: Array<{
    runtime: string;
    version: string;
    profiles: Record<
      string,
      {
        peakRssMiB: number;
        workloads: Record<
          string,
          {
            saturation?: { rps: { median: number }; cpuPerRequestUs: { median: number; min: number; max: number }; soloCpuPerRequestUs: number; soloP50Us: number; loadgenCoreShare: number };
            paced: { rps: { median: number }; p50Us: { median: number }; p99Us: { median: number }; cpuPerRequestUs: { median: number }; loadgenCoreShare: number };
            rounds: { saturationCpu: number[]; pacedCpu: number[]; pacedP50: number[] };
          }
        >;
      }
    >;
    direct: Record<string, { saturationRps?: number; pacedP50Us: number }>;
    peer?: { name: string; runtime: string; rows: Array<{ workload: string; ours: { rps: number; p50Us: number }; peer: { rps: number; p50Us: number } }>; note?: string };
    /** The gateway (`off`, Chat Completions) against its runtime's floor proxy, per round. */
    floor?: FloorFigures;
    /** Many realistic streams at once on the `off` gateway. */
    concurrency?: ConcurrencyFigures;
  }>;
  targets: { verdicts: TargetVerdict[]; summary: TargetSummary[] };
  /** Verdicts of the gateway ÷ floor ratios (bench/lib/floor-targets.ts). */
  floors?: { verdicts: TargetVerdict[]; summary: TargetSummary[] };
}

const OUTCOME: Record<Outcome, string> = { pass: 'PASS', fail: 'FAIL', inconclusive: 'NOT RESOLVED' };
/** A quick run has one short round: its figures prove the suite works, and a verdict from them would mean nothing. */
const QUICK_VERDICT = 'not checked (quick run)';
const verdictText = (run: ReportRun, outcome: Outcome) => (run.mode === 'quick' ? QUICK_VERDICT : OUTCOME[outcome]);
/** "+1.2 % (−0.5…+3.0)": the median per-round ratio and its confidence interval. */
const withRange = (median: number, low: number, high: number) => {
  const bound = (x: number) => `${x >= 1 ? '+' : '−'}${Math.abs((x - 1) * 100).toFixed(1)}`;
  return `${percent(median)} (${bound(low)}…${bound(high)})`;
};
const us = (value: number) => (value >= 1000 ? `${(value / 1000).toFixed(2)} ms` : `${value.toFixed(0)} µs`);
const num = (value: number) => value.toFixed(0);

/** The benchmark report as Markdown: targets first, then figures per runtime, references and the peer. */
export function renderReport(run: ReportRun): string {
  const lines: string[] = [];
  lines.push(`## Overhead benchmark (${run.mode} run, ${run.date.slice(0, 10)})`, '');
  lines.push(
    `Machine: ${run.machine.cpu}, ${run.machine.cores} cores, ${run.machine.memory_gib} GiB; ${run.results.map((r) => `${r.runtime} ${r.version}`).join(', ')}; load from ${run.machine.wrk.split(' ').slice(0, 2).join(' ')}. ` +
      `Gateway pinned to core 0; fake upstream, OTLP sink and wrk to core 1. Reproduce: \`${run.command}\`.`,
    '',
  );
  lines.push('### Seed targets (instant upstream, CPU per request and p50 at a fixed rate, each profile ÷ `off` paired by round)', '');
  lines.push(verdictRule(run), '');
  lines.push('| runtime | target | result | worst median |', '|---|---|---|---|');
  for (const s of run.targets.summary) lines.push(`| ${s.runtime} | ${s.target} | ${verdictText(run, s.outcome)} | ${percent(s.worst)} |`);
  lines.push('');
  lines.push('<details><summary>Every verdict</summary>', '', '| runtime | target | workload | measure | median (interval) | verdict |', '|---|---|---|---|---|---|');
  for (const v of run.targets.verdicts) lines.push(`| ${v.runtime} | ${v.target} | ${v.workload} | ${v.measure} | ${withRange(v.ratio, v.low, v.high)} | ${verdictText(run, v.outcome)} |`);
  lines.push('', '</details>', '');
  lines.push(...renderFloors(run));
  lines.push(...renderConcurrency(run.results.flatMap((r) => (r.concurrency ? [r.concurrency] : []))));

  for (const r of run.results) {
    lines.push(`### ${r.runtime} (${r.version})`, '');
    lines.push('| profile | workload | alone: saturation req/s | alone: CPU µs/req | alone: p50 | rounds: CPU µs/req (vs off) | rounds: paced req/s | rounds: p50 (vs off) | rounds: p99 | peak RSS |', '|---|---|---|---|---|---|---|---|---|---|');
    const off = r.profiles.off!;
    for (const [profile, figures] of Object.entries(r.profiles)) {
      for (const [workload, w] of Object.entries(figures.workloads)) {
        const base = off.workloads[workload]!.rounds;
        const cpuRounds = w.saturation ? w.rounds.saturationCpu : w.rounds.pacedCpu;
        const cpuBase = w.saturation ? base.saturationCpu : base.pacedCpu;
        const cpu = w.saturation ? w.saturation.cpuPerRequestUs.median : w.paced.cpuPerRequestUs.median;
        const vs = (rounds: number[], baseline: number[]) => (profile === 'off' ? '' : ` (${percent(pairedRatio(rounds, baseline).median)})`);
        lines.push(
          `| ${profile} | ${workload} | ${w.saturation ? num(w.saturation.rps.median) : '–'} | ${w.saturation ? w.saturation.soloCpuPerRequestUs.toFixed(1) : '–'} | ${w.saturation ? us(w.saturation.soloP50Us) : '–'} | ${cpu.toFixed(1)}${vs(cpuRounds, cpuBase)} | ${num(w.paced.rps.median)} | ${us(w.paced.p50Us.median)}${vs(w.rounds.pacedP50, base.pacedP50)} | ${us(w.paced.p99Us.median)} | ${figures.peakRssMiB.toFixed(0)} MiB |`,
        );
      }
    }
    lines.push('');
    const loadgen = Math.max(...Object.values(r.profiles).flatMap((p) => Object.values(p.workloads).map((w) => w.saturation?.loadgenCoreShare ?? 0)));
    const direct = Object.entries(r.direct)
      .map(([workload, d]) => {
        const offFigures = off.workloads[workload]!;
        return `${workload}: the gateway (off), alone on its core, spends ${offFigures.saturation!.soloCpuPerRequestUs.toFixed(0)} µs of CPU per request and adds ${us(offFigures.saturation!.soloP50Us - d.pacedP50Us)} to the p50 of calling the upstream directly (${us(d.pacedP50Us)}); direct saturation ${num(d.saturationRps ?? Number.NaN)} req/s`;
      })
      .join('; ');
    lines.push(`Direct reference: ${direct}. The load generator used at most ${(loadgen * 100).toFixed(0)} % of its core.`, '');
    if (r.peer) {
      if (r.peer.rows.length > 0) {
        lines.push(`Peer (${r.peer.name} on ${r.peer.runtime}, Chat Completions to the same upstream) vs our \`production\` profile:`, '');
        lines.push('| workload | ours req/s | peer req/s | throughput ours ÷ peer | ours p50 | peer p50 | latency ours ÷ peer |', '|---|---|---|---|---|---|---|');
        for (const row of r.peer.rows) {
          lines.push(`| ${row.workload} | ${num(row.ours.rps)} | ${num(row.peer.rps)} | ${(row.ours.rps / row.peer.rps).toFixed(2)} | ${us(row.ours.p50Us)} | ${us(row.peer.p50Us)} | ${(row.ours.p50Us / row.peer.p50Us).toFixed(2)} |`);
        }
        lines.push('');
      }
      if (r.peer.note) lines.push(`Peer note: ${r.peer.note}.`, '');
    }
  }
  return lines.join('\n');
}

/**
 * The Performance page's summary (docs/performance.md): the target verdicts and, per runtime,
 * the gateway's own cost and each profile's overhead on the instant-upstream
 * workloads, the direct reference and the peer. Written between markers by
 * full runs so the page always shows the latest full run.
 */
export function renderSummary(run: ReportRun): string {
  const lines: string[] = [];
  lines.push(
    `Latest full run: ${run.date.slice(0, 10)}, ${run.machine.cpu} (${run.machine.cores} cores, shared), ${run.results.map((r) => `${r.runtime} ${r.version.replace(/^deno /, '').split(' ')[0]}`).join(', ')}. Reproduce with \`${run.command}\`; every figure is in [bench/results/latest.md](../bench/results/latest.md).`,
    '',
  );
  lines.push(...targetTable(run));
  lines.push('', verdictRule(run), '');
  lines.push('Gateway throughput and CPU per request alone on its core with an instant upstream (saturation), and each profile\'s CPU per request against `off` (median of the per-round ratios, confidence interval in brackets):', '');
  const workloads = ['instant json', 'instant stream(20)'];
  lines.push(`| runtime | workload | off: req/s, CPU/req | metrics | tracing-10 | tracing-100 | production | breaker + retry (vs production) | production-auth | direct upstream |`, '|---|---|---|---|---|---|---|---|---|---|');
  for (const r of run.results) {
    for (const workload of workloads) {
      const off = r.profiles.off?.workloads[workload];
      if (!off?.saturation) continue;
      const vs = (profile: string, baseline = off) => {
        const w = r.profiles[profile]?.workloads[workload];
        if (!w || !baseline) return '–';
        const ratio = pairedRatio(w.rounds.saturationCpu, baseline.rounds.saturationCpu);
        return withRange(ratio.median, ratio.low, ratio.high);
      };
      const direct = r.direct[workload];
      lines.push(
        `| ${r.runtime} | ${workload} | ${num(off.saturation.rps.median)}, ${off.saturation.soloCpuPerRequestUs.toFixed(0)} µs | ${vs('metrics')} | ${vs('tracing-10')} | ${vs('tracing-100')} | ${vs('production')} | ${vs('production-resilient', r.profiles.production?.workloads[workload])} | ${vs('production-auth')} | ${direct ? `${num(direct.saturationRps ?? Number.NaN)} req/s; gateway adds ${us(off.saturation.soloP50Us - direct.pacedP50Us)} at p50` : '–'} |`,
      );
    }
  }
  lines.push('');
  lines.push(...renderFloors(run));
  lines.push(...renderConcurrency(run.results.flatMap((r) => (r.concurrency ? [r.concurrency] : []))));
  const peers = run.results.filter((r) => r.peer && r.peer.rows.length > 0);
  if (peers.length > 0) {
    lines.push('Against a peer gateway ([@portkey-ai/gateway](https://www.npmjs.com/package/@portkey-ai/gateway)), both on Chat Completions to the same upstream, ours in the `production` profile:', '');
    lines.push('| runtime | workload | throughput ours ÷ peer | p50 ours ÷ peer |', '|---|---|---|---|');
    for (const r of peers) {
      for (const row of r.peer!.rows) lines.push(`| ${r.runtime} | ${row.workload} | ${(row.ours.rps / row.peer.rps).toFixed(2)} | ${(row.ours.p50Us / row.peer.p50Us).toFixed(2)} |`);
    }
    lines.push('');
    const notes = run.results.filter((r) => r.peer?.note).map((r) => `${r.runtime}: ${r.peer!.note}`);
    if (notes.length > 0) lines.push(`Peer notes: ${notes.join('; ')}.`, '');
  }
  return lines.join('\n');
}

/** The seed targets, a row each, a column per runtime: the verdict and the worst median. */
function targetTable(run: ReportRun): string[] {
  const lines = [`| target | ${run.results.map((r) => r.runtime).join(' | ')} |`, `|---|${run.results.map(() => '---').join('|')}|`];
  for (const target of [...new Set(run.targets.summary.map((s) => s.target))]) {
    const cells = run.results.map((r) => {
      const s = run.targets.summary.find((x) => x.target === target && x.runtime === r.runtime);
      return s ? `${verdictText(run, s.outcome)} (worst median ${percent(s.worst)})` : '–';
    });
    lines.push(`| ${target} | ${cells.join(' | ')} |`);
  }
  return lines;
}

/**
 * The README's performance section: the seed targets and gateway ÷ floor of
 * the latest full run, a row per runtime, with the way to the rest.
 */
export function renderReadmeSummary(run: ReportRun): string {
  const lines: string[] = [
    `Latest full run (\`${run.command}\`): ${run.date.slice(0, 10)}, ${run.machine.cpu} (${run.machine.cores} cores, shared), ${run.results.map((r) => `${r.runtime} ${r.version.replace(/^deno /, '').split(' ')[0]}`).join(', ')}. How it is measured and what the figures mean: [docs/performance.md](docs/performance.md); every figure: [bench/results/latest.md](bench/results/latest.md).`,
    '',
    'Observability against `off` (CPU per request and p50, instant upstream, each profile ÷ `off` paired by round):',
    '',
    ...targetTable(run),
    '',
    'The gateway with observability off ÷ a minimal proxy on the same runtime (`bench/floors/`), CPU per request (per event for the realistic stream), median of the per-round ratios with its interval, and the verdict against the target:',
    '',
  ];
  const measured = run.results.filter((r) => r.floor && Object.keys(r.floor.workloads).length > 0);
  const workloads = [...new Set(measured.flatMap((r) => Object.keys(r.floor!.workloads)))];
  lines.push(`| runtime | ${workloads.join(' | ')} |`, `|---|${workloads.map(() => '---').join('|')}|`);
  for (const r of measured) {
    const cells = workloads.map((workload) => {
      const w = r.floor!.workloads[workload];
      if (!w) return '–';
      const perEventRow = workload.startsWith('realistic') && w.events > 0;
      const measure = perEventRow ? 'cpu_per_event' : 'cpu_per_request';
      const ratio = perEventRow ? pairedRatio(perEvent(w.gatewayCpu, w.events), perEvent(w.floorCpu, w.events)) : pairedRatio(w.gatewayCpu, w.floorCpu);
      const v = run.floors?.verdicts.find((x) => x.runtime === r.runtime && x.workload === workload && x.measure === measure);
      return `${timesWithRange(ratio.median, ratio.low, ratio.high, ratio.n)}${v ? ` ${verdictText(run, v.outcome)} (≤ ${v.limit.toFixed(1)}×)` : ''}`;
    });
    lines.push(`| ${r.runtime} | ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}

/** "2.31× (2.10…2.60)": the median per-round ratio and its confidence interval. */
const timesWithRange = (median: number, low: number, high: number, rounds: number) =>
  rounds < 2 ? `${median.toFixed(2)}×` : `${median.toFixed(2)}× (${low.toFixed(2)}…${high.toFixed(2)})`;

/**
 * The floor table: per runtime and Chat Completions workload, the CPU per
 * request (and per streamed event) of the runtime's floor proxy and of the
 * gateway with observability off, measured at once on the same core, and
 * gateway ÷ floor paired by round with its interval and verdict.
 */
export function renderFloors(run: ReportRun): string[] {
  const measured = run.results.filter((r) => r.floor && Object.keys(r.floor.workloads).length > 0);
  if (measured.length === 0) return [];
  const lines: string[] = [];
  lines.push('### Floors (Chat Completions, gateway `off` ÷ a minimal proxy on the same runtime, both loaded at once on core 0, paired by round)', '');
  lines.push(
    'A floor (`bench/floors/`) accepts the request, parses it, makes one upstream call and parses and serialises again the JSON answer or each SSE event: the least any gateway must do. ' +
      'CPU per event is CPU per request ÷ the content events of the stream.',
    '',
  );
  lines.push('| runtime | workload | measure | floor | gateway (off) | gateway ÷ floor | target | verdict |', '|---|---|---|---|---|---|---|---|');
  for (const r of measured) {
    for (const [workload, w] of Object.entries(r.floor!.workloads)) {
      const rows: Array<['cpu_per_request' | 'cpu_per_event', number[], number[]]> = [['cpu_per_request', w.gatewayCpu, w.floorCpu]];
      if (w.events > 0) rows.push(['cpu_per_event', perEvent(w.gatewayCpu, w.events), perEvent(w.floorCpu, w.events)]);
      for (const [measure, gateway, floor] of rows) {
        const ratio = pairedRatio(gateway, floor);
        const v = run.floors?.verdicts.find((x) => x.runtime === r.runtime && x.workload === workload && x.measure === measure);
        lines.push(
          `| ${r.runtime} | ${workload} | ${measure === 'cpu_per_event' ? 'CPU µs/event' : 'CPU µs/req'} | ${median(floor).toFixed(1)} | ${median(gateway).toFixed(1)} | ${timesWithRange(ratio.median, ratio.low, ratio.high, ratio.n)} | ${v ? `≤ ${v.limit.toFixed(1)}×` : '–'} | ${v ? verdictText(run, v.outcome) : '–'} |`,
        );
      }
    }
  }
  lines.push('');
  return lines;
}

/** How a verdict is reached, with the confidence its interval carries. */
function verdictRule(run: ReportRun): string {
  if (run.mode === 'quick') {
    return `A quick run measures one short round, so its ratios to \`off\` carry no confidence interval and no target is checked (${QUICK_VERDICT}); \`npm run bench\` gives the verdicts.`;
  }
  const v = run.targets.verdicts.reduce((a, b) => (b.confidence < a.confidence ? b : a), run.targets.verdicts[0]!);
  const overhead =
    v.rounds < 2
      ? `a profile's overhead is its ratio to \`off\` in a single round (a quick run: no confidence interval, so the verdicts prove only that the check works). `
      : `a profile's overhead is the median over ${v.rounds} rounds of its ratio to \`off\` in the same round, with a ${(v.confidence * 100).toFixed(0)} % confidence interval for that median from the order statistics of the rounds (in brackets). `;
  return (
    `Each round measures every profile at the same time (all gateways share core 0), so a profile and \`off\` see the same machine; ` +
    overhead +
    `PASS: the whole interval is within the target; FAIL: the whole interval is beyond it; NOT RESOLVED: the interval straddles the target, so this machine's scatter is larger than the distance to it.`
  );
}

/** Replaces the text between `<!-- bench:start -->` and `<!-- bench:end -->`. */
export function replaceBetweenMarkers(document: string, content: string): string {
  const start = '<!-- bench:start -->';
  const end = '<!-- bench:end -->';
  const i = document.indexOf(start);
  const j = document.indexOf(end);
  if (i < 0 || j < i) throw new Error('the document has no bench markers');
  return `${document.slice(0, i + start.length)}\n${content}\n${document.slice(j)}`;
}
