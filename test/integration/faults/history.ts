/** Reading a sweep's history: how each candidate's training activity ended. */
import type { temporal } from '@temporalio/proto';

export type History = temporal.api.history.v1.IHistory;

/** Per candidate: the attempt its training activity ended on and how that attempt failed. */
export function trainingAttempts(
  history: History,
): Map<string, { attempt: number; nonRetryable: boolean | null }> {
  const byScheduled = new Map<string, string>();
  const out = new Map<string, { attempt: number; nonRetryable: boolean | null }>();
  const started = new Map<string, number>();
  for (const e of history.events ?? []) {
    const scheduled = e.activityTaskScheduledEventAttributes;
    if (scheduled?.activityType?.name === 'trainCandidate') {
      const input = JSON.parse(Buffer.from(scheduled.input!.payloads![0]!.data!).toString()) as {
        candidateId: string;
      };
      byScheduled.set(String(e.eventId), input.candidateId);
    }
    const s = e.activityTaskStartedEventAttributes;
    if (s) started.set(String(s.scheduledEventId), s.attempt ?? 1);
    const failed = e.activityTaskFailedEventAttributes;
    const completed = e.activityTaskCompletedEventAttributes;
    const done = failed ?? completed;
    if (done) {
      const id = byScheduled.get(String(done.scheduledEventId));
      if (!id) continue;
      out.set(id, {
        attempt: started.get(String(done.scheduledEventId)) ?? 0,
        nonRetryable: failed ? (failed.failure?.applicationFailureInfo?.nonRetryable ?? false) : null,
      });
    }
  }
  return out;
}
