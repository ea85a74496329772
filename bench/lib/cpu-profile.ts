/**
 * A V8/JSC `.cpuprofile` (the format of `--cpu-prof` and of the DevTools
 * protocol's Profiler.stop) turned into self time by place: where in the
 * runtime, the gateway or its packages each sampled microsecond was spent.
 */
export interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }>;
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** The place of Deno's reporting of each fetch to its inspector: a cost of profiling through the inspector. */
export const INSPECTOR_REPORTING = 'profiling: Deno inspector network reporting';

/** Native functions whose time is the kernel's: the profiler sees the thread inside the syscall. */
const SYSCALLS = new Set(['writev', 'writeBuffer', 'writeUtf8String', 'writeLatin1String', 'writeAsciiString', 'read', 'readStart', 'close', 'shutdown', 'connect']);
const JSON_NATIVES = new Set(['parse', 'stringify']);

/**
 * The place of one frame:
 * - the gateway's own code by folder (`gateway: providers`), the floors' (`floor`);
 * - a package by name (`hono`, `@opentelemetry/sdk-trace`, …);
 * - the runtime's HTTP layers (`node:http and net`), web streams, undici's web classes;
 * - natives: syscalls (Bun's `fetch` is native as a whole, and counted here too), JSON, GC, the rest.
 */
export function placeOf(functionName: string, url: string): string | undefined {
  if (functionName === '(idle)') return undefined;
  if (functionName === '(garbage collector)') return 'GC';
  if (functionName === '(program)') return 'runtime (program, unattributed)';
  if (functionName === '(root)') return undefined;
  if (!url) {
    if (functionName === 'fetch') return 'native fetch (Bun: the whole client)';
    if (SYSCALLS.has(functionName)) return 'syscalls (socket writes and reads)';
    if (JSON_NATIVES.has(functionName)) return 'JSON parse and stringify';
    return 'native (other)';
  }
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (pkg) return pkg[1]!;
  const own = /\/src\/([^/]+)\//.exec(url) ?? /\/src\/([^/.]+)\.ts/.exec(url);
  if (own) return `gateway: ${own[1]}`;
  if (url.includes('/bench/floors/')) return 'floor';
  if (/^node:(_http_|net|internal\/(stream_base_commons|http|net))/.test(url) || /^node:internal\/streams/.test(url)) return 'node:http, net and streams';
  if (url.startsWith('node:internal/deps/undici')) return 'undici (Request, Response, Headers)';
  if (url.startsWith('node:internal/webstreams')) return 'web streams';
  if (url.startsWith('node:internal/modules') || url.includes('/tsx/')) return 'module loading';
  if (url.startsWith('node:')) return 'node (other)';
  if (url.startsWith('ext:')) return `deno: ${url.slice(4).split('/')[0]}`;
  return 'runtime (other)';
}

/**
 * Each place's share of the sampled time (idle excluded) applied to `mainUs`,
 * the main thread's measured CPU µs per request: with several processes on
 * one core a sample's time delta also holds time spent waiting for the core,
 * so the profile is trusted for shares, not for durations. `samples` is how
 * many samples the shares rest on.
 */
export function breakdown(profile: CpuProfile, mainUs: number): { samples: number; byPlace: Map<string, number> } {
  const placeById = new Map<number, string | undefined>();
  for (const node of profile.nodes) placeById.set(node.id, placeOf(node.callFrame.functionName, node.callFrame.url));
  // Deno reports every fetch to an attached inspector (once node compatibility is loaded, as the
  // gateway's packages load it): that work and all it calls is the profiler's, not the request's.
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const mark = (id: number) => {
    const node = byId.get(id);
    if (!node) return;
    placeById.set(id, INSPECTOR_REPORTING);
    for (const child of node.children ?? []) mark(child);
  };
  for (const node of profile.nodes) if (node.callFrame.url.includes('inspector_network_bridge')) mark(node.id);
  const byPlace = new Map<string, number>();
  let total = 0;
  let samples = 0;
  // timeDeltas[i] is the time from the previous sample to sample i; it is charged to sample i.
  for (let i = 0; i < profile.samples.length; i++) {
    const place = placeById.get(profile.samples[i]!);
    if (place === undefined) continue;
    const us = profile.timeDeltas[i] ?? 0;
    total += us;
    samples++;
    byPlace.set(place, (byPlace.get(place) ?? 0) + us);
  }
  for (const [place, us] of byPlace) byPlace.set(place, total > 0 ? (us / total) * mainUs : 0);
  return { samples, byPlace };
}

/** The samples of a profile taken between two timestamps (the profile's own clock). */
export function cutToWindow(profile: CpuProfile, fromUs: number, toUs: number): CpuProfile {
  const samples: number[] = [];
  const timeDeltas: number[] = [];
  let t = profile.startTime;
  let last = fromUs;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i] ?? 0;
    if (t < fromUs || t > toUs) continue;
    samples.push(profile.samples[i]!);
    timeDeltas.push(t - last);
    last = t;
  }
  return { ...profile, startTime: fromUs, endTime: toUs, samples, timeDeltas };
}
