import type { ConversationStore, StoredTurn } from '../../src/conversation/store.ts';
import { StoreUnavailableError } from '../../src/errors/gateway-error.ts';

/** A conversation store whose backend is down: every operation rejects as a real backend's would. */
export class UnreachableStore implements ConversationStore {
  readonly backend = 'fake';
  private fail(): Promise<never> {
    return Promise.reject(new StoreUnavailableError(this.backend, 'connect ECONNREFUSED 127.0.0.1:1'));
  }
  get(): Promise<StoredTurn | undefined> {
    return this.fail();
  }
  chain(): Promise<StoredTurn[] | undefined> {
    return this.fail();
  }
  create(): Promise<void> {
    return this.fail();
  }
  delete(): Promise<boolean> {
    return this.fail();
  }
  activeCount(): number {
    return 0;
  }
  ping(): Promise<void> {
    return this.fail();
  }
  async shutdown(): Promise<void> {}
}
