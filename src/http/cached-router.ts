import type { Result, Router } from 'hono/router';

/** What Hono's apps store in their router for each handler: the handler and the route it belongs to. */
type HonoEntry = [unknown, { path: string }];

/**
 * A router in front of Hono's own that remembers the match of a path with no
 * parameters: the gateway's hot routes (`POST /v1/chat/completions`,
 * `POST /v1/responses`, the operational GETs) are static, and Hono's trie
 * router builds, sorts and maps its list of handlers anew on every request.
 *
 * Only a match that reached a route (not just the `*` middleware) and
 * carries no parameters is kept, so the same answer is right for every later
 * request of that method and path; answers holding parameters (`/v1/responses/:id`)
 * are left to the router each time. The entries are bounded: when `limit`
 * is reached the memory starts again, so paths a client makes up (`/v1//models`
 * matches `/v1/models`) cost at most one match each, as without the cache.
 */
export class CachedRouter<T> implements Router<T> {
  readonly name: string;
  private readonly matches = new Map<string, Map<string, Result<T>>>();
  private size = 0;

  constructor(
    private readonly inner: Router<T>,
    private readonly limit = 256,
  ) {
    this.name = `Cached${inner.name}`;
  }

  /** Matches remembered now (at most `limit`). */
  get entries(): number {
    return this.size;
  }

  add(method: string, path: string, handler: T): void {
    this.matches.clear();
    this.size = 0;
    this.inner.add(method, path, handler);
  }

  match(method: string, path: string): Result<T> {
    const byPath = this.matches.get(method);
    const known = byPath?.get(path);
    if (known) return known;
    const result = this.inner.match(method, path);
    if (cacheable(result as Result<unknown>)) this.remember(byPath, method, path, result);
    return result;
  }

  private remember(byPath: Map<string, Result<T>> | undefined, method: string, path: string, result: Result<T>): void {
    if (this.size >= this.limit) {
      this.matches.clear();
      this.size = 0;
      byPath = undefined;
    }
    if (!byPath) this.matches.set(method, (byPath = new Map()));
    byPath.set(path, result);
    this.size++;
  }
}

/**
 * A match from a router that hands out a parameter stash (RegExpRouter) is
 * never kept: its static routes cost it nothing already, and the stash is the
 * request's own.
 */
function cacheable(result: Result<unknown>): boolean {
  if (result[1] !== undefined) return false;
  let route = false;
  for (const [entry, params] of result[0] as Array<[HonoEntry, Record<string, string>]>) {
    for (const _ in params) return false;
    if (!entry[1].path.endsWith('*')) route = true;
  }
  return route;
}
