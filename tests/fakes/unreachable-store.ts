import type { ConversationStore, StoredResponse } from '../../src/conversation/store.ts';

/** A conversation store whose backend is down: every operation rejects. */
export class UnreachableStore implements ConversationStore {
  readonly backend = 'unreachable';
  private fail(): Promise<never> {
    return Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:1'));
  }
  get(_id: string): Promise<StoredResponse | undefined> {
    return this.fail();
  }
  create(_record: StoredResponse): Promise<void> {
    return this.fail();
  }
  delete(_id: string): Promise<boolean> {
    return this.fail();
  }
  count(): Promise<number> {
    return this.fail();
  }
  ping(): Promise<void> {
    return this.fail();
  }
  async close(): Promise<void> {}
}
