/**
 * Reading a sweep's history: how each candidate's training activity ended (the fault tests and
 * `npm run prod:smoke` check attempts with it). Candidates run as activities of the sweep workflow below
 * the child-workflow threshold; pass each child's history above it. Payloads must be plain JSON (no codec).
 */
import type { WorkflowHandle } from '@temporalio/client';

export type History = Awaited<ReturnType<WorkflowHandle['fetchHistory']>>;

type HistoryEvent = NonNullable<History['events']>[number];

/** Notes the candidate of a scheduled `trainCandidate` activity under its event id. */
function recordTrainingScheduled(e: HistoryEvent, byScheduled: Map<string, string>): void {
  const scheduled = e.activityTaskScheduledEventAttributes;
  if (scheduled?.activityType?.name !== 'trainCandidate') return;
  const input = JSON.parse(Buffer.from(scheduled.input!.payloads![0]!.data!).toString()) as {
    candidateId: string;
  };
  byScheduled.set(String(e.eventId), input.candidateId);
}

/** Per candidate: the attempt its training activity ended on and how that attempt failed. */
export function trainingAttempts(
  history: History,
): Map<string, { attempt: number; nonRetryable: boolean | null }> {
  const byScheduled = new Map<string, string>();
  const out = new Map<string, { attempt: number; nonRetryable: boolean | null }>();
  const started = new Map<string, number>();
  for (const e of history.events ?? []) {
    recordTrainingScheduled(e, byScheduled);
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

/** Per retried candidate: the attempt its training ended on and why the attempt before it failed. */
export function retriedTrainings(
  history: History,
): { candidateId: string; attempt: number; lastFailure: string }[] {
  const byScheduled = new Map<string, string>();
  const out: { candidateId: string; attempt: number; lastFailure: string }[] = [];
  for (const e of history.events ?? []) {
    recordTrainingScheduled(e, byScheduled);
    const started = e.activityTaskStartedEventAttributes;
    const id = started && byScheduled.get(String(started.scheduledEventId));
    if (id && (started.attempt ?? 1) > 1) {
      // The server's message names timeouts itself ("activity Heartbeat timeout").
      out.push({
        candidateId: id,
        attempt: started.attempt ?? 1,
        lastFailure: started.lastFailure?.message ?? '',
      });
    }
  }
  return out;
}
