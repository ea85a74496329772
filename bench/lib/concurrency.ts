import type { LoadResult } from './wrk.ts';

/**
 * Many long streams at once: the gateway (`off`, Chat Completions) with
 * `streams` realistic streams open all the time (50 events 10 ms apart after
 * 200 ms, about 0.7 s each), pinned to one core. What a gateway mostly does
 * in production; the figures say whether one core holds that many streams
 * without an error, and how much CPU they need.
 */
export interface ConcurrencyFigures {
  runtime: string;
  streams: number;
  seconds: number;
  /** Streams completed per second, and their latency (first byte to last, µs). */
  rps: number;
  p50Us: number;
  p99Us: number;
  /** wrk's connect, read, write and timeout errors, and answers that were not 2xx. */
  errors: number;
  non2xx: number;
  /** The gateway's CPU seconds over the run ÷ the run's seconds: the share of its one core it used. */
  coreBusy: number;
  cpuPerStreamUs: number;
  /** Events per stream (content events). */
  events: number;
  /** An unloaded stream's duration (seconds): streams ÷ this is the stream rate at full speed. */
  unloadedSeconds: number;
  /** The runtime's floor (bench/floors/) under the same load, right after the gateway, on the same core. */
  floor?: { cpuPerStreamUs: number; coreBusy: number; errors: number };
}

/** Cores the gateway needs to serve `streams` such streams at full speed: CPU per stream × streams ÷ a stream's unloaded duration. */
export const coresNeeded = (f: ConcurrencyFigures): number => (f.cpuPerStreamUs / 1e6) * (f.streams / f.unloadedSeconds);

export function concurrencyFigures(runtime: string, streams: number, load: LoadResult, cpuSeconds: number, events: number, unloadedSeconds: number): ConcurrencyFigures {
  return {
    runtime,
    streams,
    seconds: load.seconds,
    rps: load.rps,
    p50Us: load.latency.p50,
    p99Us: load.latency.p99,
    errors: load.errors,
    non2xx: load.non2xx,
    coreBusy: cpuSeconds / load.seconds,
    cpuPerStreamUs: load.requests > 0 ? (cpuSeconds / load.requests) * 1e6 : Number.NaN,
    events,
    unloadedSeconds,
  };
}

const ms = (us: number) => `${(us / 1000).toFixed(0)} ms`;

export function renderConcurrency(rows: readonly ConcurrencyFigures[]): string[] {
  if (rows.length === 0) return [];
  const streams = rows[0]!.streams;
  const lines = [
    `### ${streams.toLocaleString('en')} concurrent realistic streams on one core (gateway \`off\`, Chat Completions)`,
    '',
    `${streams.toLocaleString('en')} connections each run one stream after another (200 ms to the first byte, then 50 events 10 ms apart: about ${rows[0]!.unloadedSeconds.toFixed(2)} s unloaded), against the gateway pinned to one core. ` +
      'Cores needed: CPU per stream × the stream rate at full speed (streams ÷ an unloaded stream\'s duration); above 1, the core is saturated and streams take longer than unloaded.',
    '',
    'The floor ran the same load on the same core right after the gateway: its CPU per stream says how much of the cost is the runtime\'s own HTTP server and client.',
    '',
    '| runtime | streams | errors | completed/s | core busy | CPU per stream | per event | cores needed | floor CPU per stream (errors) | gateway ÷ floor | p50 | p99 |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.runtime} | ${r.streams} | ${r.errors + r.non2xx} | ${r.rps.toFixed(0)} | ${(r.coreBusy * 100).toFixed(0)} % | ${(r.cpuPerStreamUs / 1000).toFixed(2)} ms | ${(r.cpuPerStreamUs / r.events).toFixed(1)} µs | ${coresNeeded(r).toFixed(2)} | ${r.floor ? `${(r.floor.cpuPerStreamUs / 1000).toFixed(2)} ms (${r.floor.errors})` : '–'} | ${r.floor ? `${(r.cpuPerStreamUs / r.floor.cpuPerStreamUs).toFixed(2)}×` : '–'} | ${ms(r.p50Us)} | ${ms(r.p99Us)} |`,
    );
  }
  lines.push('');
  return lines;
}
