/**
 * The Deno floor on Deno.serve and fetch (see web.ts):
 *
 *   PORT=0 BENCH_UPSTREAM=http://127.0.0.1:PORT deno run -A bench/floors/deno.ts
 */
import { webFloor } from './web.ts';

// The part of Deno's namespace used here, so that this file also type-checks without Deno's types.
declare const Deno: {
  env: { get(name: string): string | undefined };
  serve(options: { hostname: string; port: number; onListen(address: { port: number }): void }, handler: (request: Request) => Promise<Response>): unknown;
};

Deno.serve(
  { hostname: '127.0.0.1', port: Number(Deno.env.get('PORT') ?? 0), onListen: ({ port }) => console.log(JSON.stringify({ listening: port })) },
  webFloor(Deno.env.get('BENCH_UPSTREAM') ?? 'http://127.0.0.1:8080'),
);
