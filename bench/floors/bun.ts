/**
 * The Bun floor on Bun.serve and fetch (see web.ts):
 *
 *   PORT=0 BENCH_UPSTREAM=http://127.0.0.1:PORT bun bench/floors/bun.ts
 */
import { webFloor } from './web.ts';

const server = Bun.serve({ hostname: '127.0.0.1', port: Number(process.env.PORT ?? 0), fetch: webFloor(process.env.BENCH_UPSTREAM ?? 'http://127.0.0.1:8080') });
console.log(JSON.stringify({ listening: server.port }));
// An exit, not a death by signal, so that a `--cpu-prof` profile is written (bench/profile.ts).
process.on('SIGTERM', () => process.exit(0));
