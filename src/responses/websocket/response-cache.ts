import type { StoredResponse } from '../../conversation/store.ts';
import type { LocalResponses } from '../responses-service.ts';

/**
 * A connection's own responses, for `previous_response_id` without the store
 * (`store: false` works too): at most `capacity`, the oldest dropped first.
 * It lives and dies with the connection.
 */
export class ResponseCache implements LocalResponses {
  private readonly entries = new Map<string, StoredResponse>();

  constructor(private readonly capacity: number) {}

  get size(): number {
    return this.entries.size;
  }

  get(id: string): StoredResponse | undefined {
    return this.entries.get(id);
  }

  put(record: StoredResponse): void {
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
