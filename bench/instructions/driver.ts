/**
 * The in-process driver that bench/instructions.ts runs under valgrind: one
 * gateway (the checkout at ROOT, observability off or tracing at a rate),
 * `gateway.fetch` against the fake upstream over real HTTP through the Node
 * transport. It warms up, says so with a file, waits for the go-ahead (the
 * counting is switched on from outside), makes the measured requests and says
 * so again; then it waits to be stopped.
 *
 *   node --import tsx bench/instructions/driver.ts ROOT UPSTREAM OTLP WORKLOAD WARM N SIGNALS [TRACING]
 */
import { existsSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { countedGateway, requestOnce } from './gateway.ts';
import { WORKLOADS, type WorkloadName } from './workloads.ts';

const [root, upstream, otlp, workload, warm, measured, signals, tracing] = process.argv.slice(2) as [string, string, string, WorkloadName, string, string, string, string | undefined];
if (!WORKLOADS[workload]) throw new Error(`unknown workload ${workload}`);
const gateway = await countedGateway(root, upstream, otlp, tracing);

for (let i = 0; i < Number(warm); i++) await requestOnce(gateway, workload);
writeFileSync(`${signals}.ready`, '');
while (!existsSync(`${signals}.go`)) await sleep(50);
for (let i = 0; i < Number(measured); i++) await requestOnce(gateway, workload);
writeFileSync(`${signals}.done`, '');
await sleep(600_000);
