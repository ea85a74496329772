import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import { handle } from '../../bench/fake-upstream.ts';
import { countedGateway, requestOnce } from '../../bench/instructions/gateway.ts';
import { WORKLOADS, type WorkloadName } from '../../bench/instructions/workloads.ts';

const ROOT = new URL('../..', import.meta.url).pathname.replace(/\/$/, '');

describe('bench:instructions workloads', () => {
  test('each workload is answered in full by the counted gateway (this checkout, through the Node transport)', async () => {
    const server = createServer(handle);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const upstream = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const gateway = await countedGateway(ROOT, upstream, `${upstream}/v1/traces`);
      for (const name of Object.keys(WORKLOADS) as WorkloadName[]) {
        const text = new TextDecoder().decode(Buffer.concat(await requestOnce(gateway, name)));
        if (name === 'chat-stream') assert.match(text, /data: \[DONE\]\n\n$/, name);
        else if (name === 'responses-stream') assert.match(text, /event: response\.completed\n/, name);
        else assert.equal(JSON.parse(text).object, name === 'chat-json' ? 'chat.completion' : 'response', name);
      }
      await assert.rejects(requestOnce(gateway, 'nope' as WorkloadName));
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
