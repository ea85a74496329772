/**
 * In-process micro-benchmark: the gateway's own cost per request, driving
 * `gateway.fetch` directly with the mock provider (no sockets, no upstream).
 * Reports requests per second and microseconds per request for a non-streamed
 * and a streamed (20 chunks) `POST /v1/responses`.
 *
 *   npm run bench            (Node)
 *   bun bench/in-process.ts  (Bun)
 */
import { defineConfig } from '../src/config/parse-config.ts';
import { createGateway } from '../src/gateway.ts';
import { silentLogger } from '../src/observability/logger.ts';

const gateway = createGateway(
  defineConfig({
    providers: { mock: { type: 'mock', chunks: 20 } },
    models: [{ name: 'mock', provider: 'mock' }],
    conversations: { max_entries: 1000 },
  }),
  { logger: silentLogger },
);

async function once(stream: boolean): Promise<void> {
  const res = await gateway.fetch(
    new Request('http://bench/v1/responses', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'mock', input: 'How fast is the gateway itself?', stream }),
    }),
  );
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`status ${res.status}`);
}

async function measure(name: string, stream: boolean, seconds: number): Promise<void> {
  for (let i = 0; i < 500; i++) await once(stream); // warm-up
  let count = 0;
  const start = performance.now();
  while (performance.now() - start < seconds * 1000) {
    await once(stream);
    count++;
  }
  const elapsed = performance.now() - start;
  console.log(`${name.padEnd(14)} ${(count / (elapsed / 1000)).toFixed(0).padStart(7)} req/s  ${((elapsed * 1000) / count).toFixed(1).padStart(7)} µs/req`);
}

const seconds = Number(process.env.BENCH_SECONDS ?? 3);
await measure('non-streamed', false, seconds);
await measure('streamed (20)', true, seconds);
await gateway.shutdown();
