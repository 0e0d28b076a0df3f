/**
 * One open store per URI per worker process: S3 clients keep their sockets, file stores their root.
 * Every store it hands out waits out outages (`withOutageRetry`), for the activities and the CLI alike.
 */
import type { ArtifactStore } from '../store/artifact-store.js';
import { openStore as defaultOpenStore, type OpenStoreOptions } from '../store/open-store.js';
import { withOutageRetry, type OutageRetryOptions } from '../store/outage-retry.js';

export interface StoreProvider {
  get(uri: string): ArtifactStore;
  closeAll(): Promise<void>;
}

export interface StoreProviderOptions extends OpenStoreOptions {
  /** How long and how often to retry while a store is unavailable. @default DEFAULT_OUTAGE_RETRY */
  outageRetry?: OutageRetryOptions;
}

export function createStoreProvider(
  options: StoreProviderOptions = {},
  open = defaultOpenStore,
): StoreProvider {
  const { outageRetry, ...openOptions } = options;
  const stores = new Map<string, ArtifactStore>();
  return {
    get(uri) {
      let store = stores.get(uri);
      if (!store) {
        store = withOutageRetry(open(uri, openOptions), outageRetry);
        stores.set(uri, store);
      }
      return store;
    },
    async closeAll() {
      const all = [...stores.values()];
      stores.clear();
      await Promise.all(all.map((s) => s.close()));
    },
  };
}
