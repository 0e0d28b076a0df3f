/**
 * How processes reach Temporal: Temporal's standard environment configuration (`TEMPORAL_ADDRESS`,
 * `TEMPORAL_NAMESPACE`, `TEMPORAL_API_KEY`, `TEMPORAL_TLS_*`, `TEMPORAL_PROFILE`, `TEMPORAL_CONFIG_FILE`),
 * parsed once at the edge. Nothing set means the local dev server on the default port.
 */
import { loadClientConnectConfig } from '@temporalio/envconfig';
import type { NativeConnectionOptions } from '@temporalio/worker';

export interface TemporalTarget {
  connectionOptions: NativeConnectionOptions;
  namespace: string;
  /** True when no address was configured, i.e. the caller may start the embedded dev server. */
  isDefault: boolean;
}

export function temporalTarget(overrides: { address?: string; namespace?: string } = {}): TemporalTarget {
  const loaded = loadClientConnectConfig();
  const isDefault =
    !overrides.address &&
    !process.env.TEMPORAL_ADDRESS &&
    !process.env.TEMPORAL_PROFILE &&
    !process.env.TEMPORAL_CONFIG_FILE;
  return {
    connectionOptions: {
      ...loaded.connectionOptions,
      ...(overrides.address ? { address: overrides.address } : {}),
    },
    namespace: overrides.namespace ?? loaded.namespace ?? 'default',
    isDefault,
  };
}
