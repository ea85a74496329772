import assert from 'node:assert/strict';
import { readFileSync, readlinkSync } from 'node:fs';
import { basename } from 'node:path';
import { describe, test } from 'node:test';
import { parseExposition, sample } from '../helpers/metrics.ts';
import { startServer, TARGETS } from '../helpers/server.ts';

const MAX_BYTES = 256 * 1024 * 1024; // conversations.max_bytes' default
const REQUESTS = 250;

function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)![1]) * 1024;
}

/**
 * The acceptance run: 250 sequential requests `{"model":"mock","input":"<9 MiB
 * string>"}` on the default config (no config file; one 9 MiB string is within
 * `server.limits.max_string_length`), 2.35 GB of conversations offered to a
 * store bounded at 256 MiB. The process must stay up, the store must keep
 * what fits and no more, and RSS must stay under max_bytes + 300 MB all along
 * (sampled after every request), on each runtime. Without the adapters'
 * collections after large bodies, garbage of the requests takes every
 * runtime over that bound.
 * Each request costs the server under 0.1 s: a runtime takes well under a
 * minute. The figures are printed.
 */
for (const runtime of ['node', 'bun', 'deno'] as const) {
  describe(`memory bound on ${runtime}`, () => {
    test(`${REQUESTS} sequential requests with a 9 MiB input: the process stays up, RSS under max_bytes + 300 MB, the store evicts`, async () => {
      const server = await startServer(TARGETS[runtime]!, undefined);
      try {
        const pid = server.process.pid!;
        // The executable, not the thread name: Node 24 names its main thread `MainThread`.
        // (npm's bun package names its binary bun.exe on every platform.)
        assert.match(basename(readlinkSync(`/proc/${pid}/exe`)), new RegExp(`^${runtime}(\\.exe)?$`), 'the measured process is the runtime itself');
        const body = JSON.stringify({ model: 'mock', input: 'x'.repeat(9 * 1024 * 1024) });
        let peak = 0;
        for (let i = 0; i < REQUESTS; i++) {
          const res = await fetch(`${server.baseUrl}/v1/responses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
          assert.equal(res.status, 200, `request ${i}`);
          assert.equal(res.headers.get('x-gateway-store'), null, `request ${i} was stored`);
          await res.arrayBuffer();
          peak = Math.max(peak, rssBytes(pid));
        }
        assert.equal(server.process.exitCode, null, 'still running');
        const bound = MAX_BYTES + 300e6;
        assert.ok(peak < bound, `peak RSS ${(peak / 1e6).toFixed(0)} MB, over max_bytes + 300 MB = ${(bound / 1e6).toFixed(0)} MB`);
        const active = sample(parseExposition(await (await fetch(`${server.baseUrl}/metrics`)).text()), 'conversation_active_count', { backend: 'memory' })!;
        // Each stored turn is ~9.4 MB serialized: at most 28 fit in 256 MiB.
        assert.ok(active >= 20 && active <= 28, `active ${active}`);
        console.log(`memory bound on ${runtime}: peak RSS ${(peak / 1e6).toFixed(0)} MB, ${(peak / bound).toFixed(2)} of max_bytes + 300 MB, ${active} responses kept`);
      } finally {
        await server.stop();
      }
    });
  });
}
