import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { startServer, writeConfig, type Target } from '../helpers/server.ts';

/**
 * `npm start` and friends as users run them: npm passes SIGTERM on to its
 * child, and the scripts `exec` the runtime so that child is the gateway
 * itself (without it, the shell between them died and left the gateway
 * orphaned and serving). A stream in flight still finishes.
 */

const CONFIG = writeConfig(`
server:
  address: "127.0.0.1:0"
  shutdown_grace: 10s
providers:
  mock:
    type: mock
    chunks: 10
    chunk_delay_ms: 100
models:
  - name: mock
    provider: mock
`);

/** Processes started with this test's config file: a gateway left behind by npm is among them. */
function leftBehind(): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(CONFIG)) pids.push(Number(entry));
    } catch {
      // Gone already.
    }
  }
  return pids;
}

const viaNpm = (script: string): Target => ({
  name: `npm run ${script}`,
  ownsListener: true,
  command: (config) => ({ command: 'npm', args: ['run', '--silent', script, '--', '-config', config!] }),
});

for (const script of ['start', 'start:bun', 'start:deno']) {
  test(`SIGTERM to \`npm run ${script}\` drains a stream, stops the gateway and exits 0`, { timeout: 60_000 }, async () => {
    const server = await startServer(viaNpm(script), CONFIG);
    try {
      const res = await fetch(`${server.baseUrl}/v1/responses`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'mock', input: 'x', stream: true }),
      });
      const reader = res.body!.getReader();
      await reader.read();
      server.process.kill('SIGTERM');
      let body = '';
      for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) body += new TextDecoder().decode(chunk.value);
      assert.match(body, /event: response\.completed/);
      assert.deepEqual(await server.exited, { code: 0, signal: null });
      await server.waitForLog((line) => line.msg === 'stopped');
      const after = await fetch(`${server.baseUrl}/health`).then(() => 'answered', () => 'refused');
      assert.equal(after, 'refused', 'the gateway outlived npm');
      assert.deepEqual(leftBehind(), []);
    } finally {
      await server.stop();
      for (const pid of leftBehind()) process.kill(pid, 'SIGKILL');
    }
  });
}
