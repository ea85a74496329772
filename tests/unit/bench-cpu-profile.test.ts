import assert from 'node:assert/strict';
import { test } from 'node:test';
import { breakdown, cutToWindow, INSPECTOR_REPORTING, placeOf, type CpuProfile } from '../../bench/lib/cpu-profile.ts';

const frame = (functionName: string, url = '') => ({ functionName, url, lineNumber: 0 });

/** A profile of five nodes: root, idle, the gateway's providers folder, valibot and GC. */
function sample(): CpuProfile {
  return {
    nodes: [
      { id: 1, callFrame: frame('(root)'), children: [2, 3, 4, 5] },
      { id: 2, callFrame: frame('(idle)') },
      { id: 3, callFrame: frame('generate', 'file:///app/src/providers/http/http-provider.ts') },
      { id: 4, callFrame: frame('~run', 'file:///app/node_modules/valibot/dist/index.mjs') },
      { id: 5, callFrame: frame('(garbage collector)') },
    ],
    startTime: 1_000,
    endTime: 2_000,
    // At 1100 (provider), 1200 (idle), 1400 (valibot), 1500 (provider), 1600 (GC).
    samples: [3, 2, 4, 3, 5],
    timeDeltas: [100, 100, 200, 100, 100],
  };
}

test('places: the gateway by folder, packages by name, natives by kind, idle and root left out', () => {
  assert.equal(placeOf('generate', 'file:///app/src/providers/http/http-provider.ts'), 'gateway: providers');
  assert.equal(placeOf('createGateway', 'file:///app/src/gateway.ts'), 'gateway: gateway');
  assert.equal(placeOf('x', 'file:///app/node_modules/@opentelemetry/sdk-trace/build/esm/Span.js'), '@opentelemetry/sdk-trace');
  assert.equal(placeOf('writev', ''), 'syscalls (socket writes and reads)');
  assert.equal(placeOf('fetch', ''), 'native fetch (Bun: the whole client)');
  assert.equal(placeOf('parse', ''), 'JSON parse and stringify');
  assert.equal(placeOf('socketOnData', 'node:_http_client'), 'node:http, net and streams');
  assert.equal(placeOf('(garbage collector)', ''), 'GC');
  assert.equal(placeOf('(idle)', ''), undefined);
  assert.equal(placeOf('(root)', ''), undefined);
});

test('breakdown: each place gets its share of the sampled time (idle excluded) of the measured main-thread µs', () => {
  const { samples, byPlace } = breakdown(sample(), 50);
  // Sampled, idle excluded: provider 100 + 100, valibot 200, GC 100 = 500.
  assert.equal(samples, 4);
  assert.equal(byPlace.get('gateway: providers'), 20);
  assert.equal(byPlace.get('valibot'), 20);
  assert.equal(byPlace.get('GC'), 10);
  assert.equal(byPlace.has('(idle)'), false);
  assert.deepEqual(breakdown({ ...sample(), samples: [], timeDeltas: [] }, 50).byPlace, new Map());
});

test('breakdown: what Deno does to report a fetch to its inspector, and all it calls, is the profiler\'s', () => {
  const profile: CpuProfile = {
    nodes: [
      { id: 1, callFrame: frame('(root)'), children: [2, 4] },
      { id: 2, callFrame: frame('requestWillBeSent', 'ext:deno_node/inspector_network_bridge.js'), children: [3] },
      { id: 3, callFrame: frame('stringify') },
      { id: 4, callFrame: frame('stringify') },
    ],
    startTime: 0,
    endTime: 300,
    samples: [2, 3, 4],
    timeDeltas: [100, 100, 100],
  };
  const { byPlace } = breakdown(profile, 30);
  assert.equal(byPlace.get(INSPECTOR_REPORTING), 20);
  assert.equal(byPlace.get('JSON parse and stringify'), 10);
});

test('cutToWindow keeps the samples between two timestamps, with deltas from the window start', () => {
  const cut = cutToWindow(sample(), 1_150, 1_500);
  assert.deepEqual(cut.samples, [2, 4, 3]);
  assert.deepEqual(cut.timeDeltas, [50, 200, 100]);
  assert.equal(cut.startTime, 1_150);
  assert.equal(cut.endTime, 1_500);
  assert.deepEqual(cutToWindow(sample(), 5_000, 6_000).samples, []);
});
