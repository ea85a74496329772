/**
 * In-process micro-benchmark of the gateway's own cost per request: drives
 * `gateway.fetch` directly with the instant mock provider (no sockets, no
 * upstream), for each observability profile, interleaving the profiles in
 * rounds (A B A B …) so that drift of a shared machine cancels out. Reports
 * the median microseconds per request of each profile and its difference
 * from `off`, for a non-streamed and a streamed (20 chunks) request.
 *
 *   npm run bench                       (Node)
 *   bun bench/in-process.ts             (Bun)
 *   deno run -A bench/in-process.ts     (Deno)
 *   BENCH_ROUNDS=20 BENCH_REQUESTS=2000 npm run bench
 */
import { defineConfig } from '../src/config/parse-config.ts';
import { createGateway, type Gateway } from '../src/gateway.ts';
import { silentLogger } from '../src/observability/logger.ts';

// Spans go to the stdout exporter with a sink that discards them: span creation, processing and
// serialisation are measured, the network is not.
const tracing = (type: string, rate = 1) => ({ enabled: true, sampler: { type, rate }, exporter: { type: 'stdout' } });
const PROFILES: Record<string, Record<string, unknown>> = {
  off: { enabled: false },
  metrics: { metrics: { enabled: true, default_metrics: false } },
  'tracing-0': { metrics: { enabled: false }, tracing: tracing('never') },
  'tracing-10': { metrics: { enabled: false }, tracing: tracing('probability', 0.1) },
  'tracing-100': { metrics: { enabled: false }, tracing: tracing('always') },
  production: { metrics: { enabled: true, default_metrics: false }, tracing: tracing('probability', 0.1) },
};

const env = (name: string, fallback: number) => Number(globalThis.process?.env?.[name] ?? fallback);
const rounds = env('BENCH_ROUNDS', 10);
const perRound = env('BENCH_REQUESTS', 1000);

function gatewayFor(observability: Record<string, unknown>): Gateway {
  return createGateway(
    defineConfig({
      providers: { mock: { type: 'mock', chunks: 20 } },
      models: [{ name: 'mock', provider: 'mock' }],
      conversations: { max_entries: 1000 },
      observability,
    }),
    { logger: silentLogger, stdout: () => {}, runtime: { name: 'bench', version: '0' } },
  );
}

async function once(gateway: Gateway, body: string): Promise<void> {
  const res = await gateway.fetch(new Request('http://bench/v1/responses', { method: 'POST', headers: { 'content-type': 'application/json' }, body }));
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`status ${res.status}`);
}

async function round(gateway: Gateway, body: string, count: number): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < count; i++) await once(gateway, body);
  return ((performance.now() - start) * 1000) / count;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

const runtime = 'Bun' in globalThis ? 'bun' : 'Deno' in globalThis ? 'deno' : 'node';
console.log(`in-process benchmark on ${runtime}: ${rounds} rounds x ${perRound} requests per profile, interleaved`);
const gateways = Object.fromEntries(Object.entries(PROFILES).map(([name, o]) => [name, gatewayFor(o)]));
for (const stream of [false, true]) {
  const body = JSON.stringify({ model: 'mock', input: 'How fast is the gateway itself?', stream, store: false });
  for (const gateway of Object.values(gateways)) await round(gateway, body, perRound); // warm-up
  const samples: Record<string, number[]> = Object.fromEntries(Object.keys(gateways).map((n) => [n, []]));
  for (let r = 0; r < rounds; r++) {
    for (const [name, gateway] of Object.entries(gateways)) samples[name]!.push(await round(gateway, body, perRound));
  }
  const base = median(samples.off!);
  console.log(`\n${stream ? 'streamed (20 chunks)' : 'non-streamed'}`);
  for (const [name, values] of Object.entries(samples)) {
    const m = median(values);
    const spread = `${Math.min(...values).toFixed(1)}–${Math.max(...values).toFixed(1)}`;
    console.log(`  ${name.padEnd(10)} ${m.toFixed(1).padStart(7)} µs/req (range ${spread})  ${name === 'off' ? '' : `${m - base >= 0 ? '+' : ''}${(m - base).toFixed(1)} µs, x${(m / base).toFixed(3)}`}`);
  }
}
await Promise.all(Object.values(gateways).map((g) => g.shutdown()));
