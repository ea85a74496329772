import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Lifecycles, type Lifecycle } from '../../src/core/lifecycle.ts';
import { MemoryStore } from '../../src/conversation/memory-store.ts';
import { testGateway } from '../helpers/in-memory-gateway.ts';

function part(name: string, log: string[], fail = false): Lifecycle {
  return {
    async shutdown() {
      log.push(`shutdown ${name}`);
      if (fail) throw new Error(`${name} would not close`);
    },
    async forceFlush() {
      log.push(`flush ${name}`);
    },
  };
}

test('shutdown walks the parts once, in reverse start order; a failing part is reported and the rest still stop', async () => {
  const log: string[] = [];
  const errors: string[] = [];
  const parts = new Lifecycles({ onError: (name, action, error) => errors.push(`${action} ${name}: ${(error as Error).message}`) });
  parts.add('transport', part('transport', log));
  parts.add('tracing', part('tracing', log, true));
  parts.add('store', { shutdown: async () => void log.push('shutdown store') });
  await parts.forceFlush();
  assert.deepEqual(log, ['flush tracing', 'flush transport'], 'flush skips parts without forceFlush');
  log.length = 0;
  await Promise.all([parts.shutdown(), parts.shutdown()]);
  await parts.shutdown();
  assert.deepEqual(log, ['shutdown store', 'shutdown tracing', 'shutdown transport']);
  assert.deepEqual(errors, ['shutdown tracing: tracing would not close']);
});

test('the gateway stops what the adapter handed it last, after its own store, once', async () => {
  const log: string[] = [];
  const store = new MemoryStore({ ttl: 60_000, maxEntries: 10, maxBytes: 1 << 20 });
  const close = store.shutdown.bind(store);
  store.shutdown = async () => {
    log.push('shutdown store');
    await close();
  };
  const { gateway } = testGateway({}, { store, lifecycle: { transport: part('transport', log) } });
  await gateway.forceFlush();
  await Promise.all([gateway.shutdown(), gateway.shutdown()]);
  assert.deepEqual(log, ['flush transport', 'shutdown store', 'shutdown transport']);
});
