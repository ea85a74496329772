import { pairedRatio } from './stats.ts';
import type { TargetVerdict } from './targets.ts';

/** One workload of the floor comparison: CPU µs per request of the gateway (`off`) and of its runtime's floor, per round. */
export interface FloorWorkload {
  /** Content events of a streamed answer (0 for JSON): CPU per request ÷ events is the cost per streamed event. */
  events: number;
  gatewayCpu: number[];
  floorCpu: number[];
}

export interface FloorFigures {
  runtime: string;
  workloads: Record<string, FloorWorkload>;
}

/** The workload whose cost per streamed event is judged: 50 events 10 ms apart, as a long stream arrives. */
export const PER_EVENT_WORKLOAD = 'realistic stream(50)';

/**
 * How far the gateway with observability off may be from the floor of its
 * runtime: 1.5× everywhere but Node's streams (2×, node:http's stream hops);
 * per streamed event of a realistic stream 1.5× on every runtime.
 */
export function floorLimit(runtime: string, workload: string, measure: 'cpu_per_request' | 'cpu_per_event'): number {
  if (measure === 'cpu_per_event') return 1.5;
  return runtime === 'node' && workload.includes('stream') ? 2 : 1.5;
}

const times = (limit: number) => `${limit.toFixed(1)}×`;
export const floorLabel = (limit: number, measure: 'cpu_per_request' | 'cpu_per_event') =>
  measure === 'cpu_per_event' ? `µs per event ≤ ${times(limit)} floor` : `off ≤ ${times(limit)} floor`;

/** Mean CPU µs per streamed event of each round. */
export const perEvent = (cpu: readonly number[], events: number): number[] => cpu.map((c) => c / events);

/**
 * Verdicts of the gateway ÷ floor ratios, paired by round (both measured at
 * once on the same core): CPU per request for every workload, and CPU per
 * event for the realistic stream. Same rule as the seed targets: PASS only
 * when the whole confidence interval of the median ratio is within the limit.
 */
export function checkFloors(results: readonly FloorFigures[]): TargetVerdict[] {
  const verdicts: TargetVerdict[] = [];
  for (const { runtime, workloads } of results) {
    for (const [workload, w] of Object.entries(workloads)) {
      const measures: Array<['cpu_per_request' | 'cpu_per_event', number[], number[]]> = [['cpu_per_request', w.gatewayCpu, w.floorCpu]];
      if (workload === PER_EVENT_WORKLOAD && w.events > 0) measures.push(['cpu_per_event', perEvent(w.gatewayCpu, w.events), perEvent(w.floorCpu, w.events)]);
      for (const [measure, gateway, floor] of measures) {
        const limit = floorLimit(runtime, workload, measure);
        const { median, low, high, confidence, n } = pairedRatio(gateway, floor);
        verdicts.push({
          runtime, target: floorLabel(limit, measure), workload, measure, ratio: median, low, high, confidence, rounds: n, limit,
          outcome: high <= limit ? 'pass' : low > limit ? 'fail' : 'inconclusive',
        });
      }
    }
  }
  return verdicts;
}
