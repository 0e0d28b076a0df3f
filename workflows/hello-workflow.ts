/** The smoke workflow: one activity round trip through the artifact store. */
import { proxyActivities } from '@temporalio/workflow';
import type {
  SmokeActivities,
  StoreRoundTripInput,
  StoreRoundTripOutput,
} from '../activities/smoke-activities.js';

const { storeRoundTrip } = proxyActivities<SmokeActivities>({
  // A put and a get of a few bytes: seconds at most, even against a slow S3.
  startToCloseTimeout: '1 minute',
  // The activity marks a bad run id non-retryable itself.
  retry: { maximumAttempts: 3 },
});

export async function helloWorkflow(input: StoreRoundTripInput): Promise<StoreRoundTripOutput> {
  return storeRoundTrip(input);
}
