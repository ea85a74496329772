import type { LocalResponses, LocalTurn } from '../responses-service.ts';

/**
 * A connection's own responses, for `previous_response_id` without the store
 * (`store: false` works too): at most `capacity`, the oldest dropped first.
 * It lives and dies with the connection.
 */
export class ResponseCache implements LocalResponses {
  private readonly entries = new Map<string, LocalTurn>();

  constructor(private readonly capacity: number) {}

  get size(): number {
    return this.entries.size;
  }

  get(id: string): LocalTurn | undefined {
    return this.entries.get(id);
  }

  put(record: LocalTurn): void {
    this.entries.delete(record.id);
    this.entries.set(record.id, record);
    while (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
  }

  delete(id: string): boolean {
    return this.entries.delete(id);
  }

  clear(): void {
    this.entries.clear();
  }
}
