/**
 * Where a sweep's orchestration time goes, read from Temporal's own histories: events and workflow tasks
 * per candidate, and the median latency of each hop a candidate's start and result take (child start,
 * workflow-task queue wait and processing, activity queue wait), all from the server's event timestamps.
 */
import type { Client } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

const ms = (event: HistoryEvent | undefined): number => {
  const t = event?.eventTime;
  if (!t) return Number.NaN;
  return Number(t.seconds ?? 0) * 1000 + (t.nanos ?? 0) / 1e6;
};

export function median(values: readonly number[]): number {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Workflow tasks of one history: queue wait (scheduled → started) and processing (started → completed). */
interface TaskTimes {
  waitMs: number[];
  processMs: number[];
}

function workflowTasks(events: readonly HistoryEvent[]): TaskTimes {
  const byId = new Map<number, HistoryEvent>();
  for (const e of events) byId.set(Number(e.eventId), e);
  const out: TaskTimes = { waitMs: [], processMs: [] };
  for (const e of events) {
    if (e.workflowTaskStartedEventAttributes) {
      const scheduled = byId.get(Number(e.workflowTaskStartedEventAttributes.scheduledEventId));
      out.waitMs.push(ms(e) - ms(scheduled));
    } else if (e.workflowTaskCompletedEventAttributes) {
      const started = byId.get(Number(e.workflowTaskCompletedEventAttributes.startedEventId));
      out.processMs.push(ms(e) - ms(started));
    }
  }
  return out;
}

export interface HistoryProfile {
  /** Events in each run of the sweep workflow (continue-as-new generations), oldest first. */
  eventsPerRun: number[];
  /** Events in the sweep's histories (all runs) and in the children's, per candidate. */
  parentEventsPerCandidate: number;
  childEventsPerCandidate: number;
  /**
   * Milliseconds the sweep's workflow tasks ran (started → completed), summed, per candidate. A workflow
   * runs one task at a time, so this bounds the sweep's wall time per candidate from below.
   */
  parentTaskMsPerCandidate: number;
  /** Workflow tasks (each a poll, an activation and a completion round trip) per candidate. */
  parentTasksPerCandidate: number;
  childTasksPerCandidate: number;
  /** Median milliseconds of each hop. */
  medians: {
    /** Parent's workflow task: queue wait and processing. */
    parentTaskWaitMs: number;
    parentTaskProcessMs: number;
    /** Child's workflow task: queue wait and processing. */
    childTaskWaitMs: number;
    childTaskProcessMs: number;
    /** Parent's start command recorded → child started, as the parent's history records it. */
    childStartMs: number;
    /** Parent's start command recorded → the child's first event (the server has created the child). */
    childCreatedMs: number;
    /** Training activity scheduled → started (GPU worker poll). */
    activityWaitMs: number;
    /** Training activity started → completed (the trainer and the store). */
    activityRunMs: number;
    /** One candidate, end to end: parent's start command (or activity scheduled) → its result recorded in the parent. */
    candidateMs: number;
  };
}

async function history(client: Client, workflowId: string, runId?: string): Promise<HistoryEvent[]> {
  const h = await client.workflow.getHandle(workflowId, runId).fetchHistory();
  return h.events ?? [];
}

/** Reads every run of the sweep `sweepId` and every child workflow it started. */
export async function profileSweepHistories(
  client: Client,
  sweepId: string,
  candidates: number,
): Promise<HistoryProfile> {
  const listed: { runId: string; startMs: number }[] = [];
  for await (const wf of client.workflow.list({ query: `WorkflowId = '${sweepId}'` }))
    listed.push({ runId: wf.runId, startMs: wf.startTime.getTime() });
  const runIds = listed.sort((a, b) => a.startMs - b.startMs).map((r) => r.runId);
  const eventsPerRun: number[] = [];
  const parentTasks: TaskTimes = { waitMs: [], processMs: [] };
  const childTasks: TaskTimes = { waitMs: [], processMs: [] };
  const childStartMs: number[] = [];
  const activityWaitMs: number[] = [];
  const activityRunMs: number[] = [];
  /** Activity scheduled → completed (activity mode's candidate, or a child's training). */
  const activityTotalMs: number[] = [];
  /** Start command → child completed, in the parent. */
  const childTotalMs: number[] = [];
  const childIds: string[] = [];
  const initiatedAt = new Map<string, number>();
  const childCreatedMs: number[] = [];
  let parentEvents = 0;
  let childEvents = 0;

  const activityHops = (events: readonly HistoryEvent[], name: string): void => {
    const scheduled = new Map<number, HistoryEvent>();
    const started = new Map<number, HistoryEvent>();
    for (const e of events) {
      const id = Number(e.eventId);
      if (e.activityTaskScheduledEventAttributes?.activityType?.name === name) scheduled.set(id, e);
      const s = e.activityTaskStartedEventAttributes;
      if (s && scheduled.has(Number(s.scheduledEventId))) {
        started.set(Number(s.scheduledEventId), e);
        activityWaitMs.push(ms(e) - ms(scheduled.get(Number(s.scheduledEventId))));
      }
      const c = e.activityTaskCompletedEventAttributes;
      if (c && started.has(Number(c.scheduledEventId))) {
        activityRunMs.push(ms(e) - ms(started.get(Number(c.scheduledEventId))));
        activityTotalMs.push(ms(e) - ms(scheduled.get(Number(c.scheduledEventId))));
      }
    }
  };

  for (const runId of runIds) {
    const events = await history(client, sweepId, runId);
    parentEvents += events.length;
    eventsPerRun.push(events.length);
    const tasks = workflowTasks(events);
    parentTasks.waitMs.push(...tasks.waitMs);
    parentTasks.processMs.push(...tasks.processMs);
    const initiated = new Map<number, HistoryEvent>();
    for (const e of events) {
      const start = e.startChildWorkflowExecutionInitiatedEventAttributes;
      if (start) {
        initiated.set(Number(e.eventId), e);
        childIds.push(start.workflowId ?? '');
        initiatedAt.set(start.workflowId ?? '', ms(e));
      }
      const s = e.childWorkflowExecutionStartedEventAttributes;
      if (s) childStartMs.push(ms(e) - ms(initiated.get(Number(s.initiatedEventId))));
      const c = e.childWorkflowExecutionCompletedEventAttributes;
      if (c) childTotalMs.push(ms(e) - ms(initiated.get(Number(c.initiatedEventId))));
    }
    activityHops(events, 'trainCandidate');
  }
  for (const childId of childIds) {
    const events = await history(client, childId);
    childEvents += events.length;
    childCreatedMs.push(ms(events[0]) - (initiatedAt.get(childId) ?? Number.NaN));
    const tasks = workflowTasks(events);
    childTasks.waitMs.push(...tasks.waitMs);
    childTasks.processMs.push(...tasks.processMs);
    activityHops(events, 'trainCandidate');
  }
  return {
    eventsPerRun,
    parentEventsPerCandidate: parentEvents / candidates,
    childEventsPerCandidate: childEvents / candidates,
    parentTaskMsPerCandidate: parentTasks.processMs.reduce((a, b) => a + b, 0) / candidates,
    parentTasksPerCandidate: parentTasks.processMs.length / candidates,
    childTasksPerCandidate: childTasks.processMs.length / candidates,
    medians: {
      parentTaskWaitMs: median(parentTasks.waitMs),
      parentTaskProcessMs: median(parentTasks.processMs),
      childTaskWaitMs: median(childTasks.waitMs),
      childTaskProcessMs: median(childTasks.processMs),
      childStartMs: median(childStartMs),
      childCreatedMs: median(childCreatedMs),
      activityWaitMs: median(activityWaitMs),
      activityRunMs: median(activityRunMs),
      candidateMs: median(childIds.length > 0 ? childTotalMs : activityTotalMs),
    },
  };
}
