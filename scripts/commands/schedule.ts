/** `ncap schedule create|list|describe|pause|unpause|trigger|backfill|delete`: scheduled model-zoo sweeps. */
import { ScheduleNotFoundError } from '@temporalio/client';
import type { Command } from 'commander';
import { InvalidSpecError } from '../../activities/spec/sweep-spec.js';
import { InvalidKeyError } from '../../activities/store/errors.js';
import {
  OVERLAP_POLICIES,
  ScheduleInputError,
  createSweepSchedule,
  describeSweepSchedule,
  listSweepSchedules,
  type OverlapPolicyName,
} from '../schedules/schedule-client.js';
import { loadSpecFile } from '../sweeps/sweep-client.js';
import { CliError, addConnectionOptions, printJson, withContext, type GlobalOptions } from './context.js';
import { EXIT_CODES } from './exit-codes.js';

const addGlobal = (command: Command): Command => addConnectionOptions(command);

function mapErrors(error: unknown): never {
  if (
    error instanceof InvalidSpecError ||
    error instanceof ScheduleInputError ||
    error instanceof InvalidKeyError
  ) {
    throw new CliError(error.message, EXIT_CODES.usage, { cause: error });
  }
  if (error instanceof ScheduleNotFoundError)
    throw new CliError(`no such schedule: ${error.message}`, EXIT_CODES.failure, { cause: error });
  throw error;
}

function parseDate(value: string, field: string): Date {
  const date = new Date(value);
  if (Number.isNaN(date.getTime()))
    throw new CliError(
      `${field} must be an ISO date-time such as 2026-11-01T00:00:00Z, got '${value}'`,
      EXIT_CODES.usage,
    );
  return date;
}

/** `ncap schedule create`: a schedule that starts a sweep of a spec at each interval or cron time. */
function registerCreateCommand(schedule: Command): void {
  addGlobal(schedule.command('create').argument('<scheduleId>').argument('<spec>', 'sweep spec file'))
    .description(
      'Create a schedule that starts a sweep of <spec> at each interval or cron time (each run its own sweep id)',
    )
    .option('--every <interval>', 'interval, e.g. 6h, 30m, 90s')
    .option('--cron <expression...>', 'cron expression(s), e.g. "0 3 * * *"')
    .option(
      '--overlap <policy>',
      `when a run is due while the last still runs: ${OVERLAP_POLICIES.join(', ')}`,
      'skip',
    )
    .option('--paused', 'create it paused')
    .option('--note <text>', 'a note shown with the schedule')
    .option('--store <uri>', 'store for the runs when the spec names none (default: NCAP_STORE_URI)')
    .action(
      async (
        scheduleId: string,
        specPath: string,
        options: GlobalOptions & {
          every?: string;
          cron?: string[];
          overlap: string;
          paused?: boolean;
          note?: string;
        },
      ) => {
        const spec = await loadSpecFile(specPath).catch(mapErrors);
        await withContext(options, async (ctx) => {
          await createSweepSchedule(ctx.client, {
            scheduleId,
            spec,
            storeUri: ctx.config.storeUri,
            ...(options.every ? { every: options.every } : {}),
            ...(options.cron ? { cron: options.cron } : {}),
            overlap: options.overlap as OverlapPolicyName,
            paused: Boolean(options.paused),
            ...(options.note ? { note: options.note } : {}),
            searchAttributes: ctx.config.searchAttributes,
            taskQueues: ctx.config.taskQueues,
          }).catch(mapErrors);
          if (options.json) printJson({ scheduleId, created: true });
          else console.log(`Created schedule ${scheduleId}`);
        });
      },
    );
}

/** `ncap schedule list`: every schedule, paused or active. */
function registerListCommand(schedule: Command): void {
  addGlobal(schedule.command('list'))
    .description('List schedules')
    .action(async (options: GlobalOptions) => {
      await withContext(options, async (ctx) => {
        const rows = await listSweepSchedules(ctx.client);
        if (options.json) return printJson(rows);
        if (rows.length === 0) console.log('No schedules.');
        for (const r of rows)
          console.log(
            `${r.scheduleId.padEnd(32)} ${r.paused ? 'paused' : 'active'}${r.note ? `  ${r.note}` : ''}`,
          );
      });
    });
}

/** `ncap schedule describe`: a schedule’s state, recent and next runs. */
function registerDescribeCommand(schedule: Command): void {
  addGlobal(schedule.command('describe').argument('<scheduleId>'))
    .description('Show a schedule: state, recent and next runs')
    .action(async (scheduleId: string, options: GlobalOptions) => {
      await withContext(options, async (ctx) => {
        const s = await describeSweepSchedule(ctx.client, scheduleId).catch(mapErrors);
        if (options.json) return printJson(s);
        console.log(
          `${s.scheduleId}: ${s.paused ? 'paused' : 'active'}, overlap ${s.overlap ?? 'skip'}, ${s.actions} runs so far`,
        );
        for (const r of s.recentRuns) console.log(`  ran  ${r.scheduledAt}  ${r.workflowId}`);
        for (const t of s.nextRuns.slice(0, 3)) console.log(`  next ${t}`);
      });
    });
}

/** `ncap schedule pause|unpause|trigger|delete`: one action on a schedule each. */
function registerChangeCommands(schedule: Command): void {
  for (const [name, description] of [
    ['pause', 'Pause a schedule: no further runs until unpaused'],
    ['unpause', 'Resume a paused schedule'],
    ['trigger', 'Start one run now'],
    ['delete', 'Delete a schedule (runs already started go on)'],
  ] as const) {
    addGlobal(schedule.command(name).argument('<scheduleId>'))
      .description(description)
      .option('--note <text>', 'a note recorded with the change')
      .action(async (scheduleId: string, options: GlobalOptions & { note?: string }) => {
        await withContext(options, async (ctx) => {
          const handle = ctx.client.schedule.getHandle(scheduleId);
          const run = {
            pause: () => handle.pause(options.note),
            unpause: () => handle.unpause(options.note),
            trigger: () => handle.trigger(),
            delete: () => handle.delete(),
          }[name];
          await run().catch(mapErrors);
          if (options.json) printJson({ scheduleId, action: name });
          else console.log(`${name}: ${scheduleId}`);
        });
      });
  }
}

/** `ncap schedule backfill`: runs for the times a schedule would have run in a past window. */
function registerBackfillCommand(schedule: Command): void {
  addGlobal(schedule.command('backfill').argument('<scheduleId>'))
    .description('Run the schedule for the times it would have run in a past window')
    .requiredOption('--start <iso>', 'window start, e.g. 2026-11-01T00:00:00Z')
    .requiredOption('--end <iso>', 'window end')
    .option(
      '--overlap <policy>',
      `overlap policy for the backfill: ${OVERLAP_POLICIES.join(', ')}`,
      'buffer-all',
    )
    .action(
      async (
        scheduleId: string,
        options: GlobalOptions & { start: string; end: string; overlap: string },
      ) => {
        const start = parseDate(options.start, '--start');
        const end = parseDate(options.end, '--end');
        if (end <= start) throw new CliError('--end must be after --start', EXIT_CODES.usage);
        await withContext(options, async (ctx) => {
          const overlap = options.overlap.toUpperCase().replace(/-/g, '_') as 'BUFFER_ALL';
          await ctx.client.schedule.getHandle(scheduleId).backfill({ start, end, overlap }).catch(mapErrors);
          if (options.json) printJson({ scheduleId, backfill: { start, end } });
          else console.log(`Backfilling ${scheduleId} from ${start.toISOString()} to ${end.toISOString()}`);
        });
      },
    );
}

/** Registers `ncap schedule` and its subcommands on `program`. */
export function registerScheduleCommands(program: Command): void {
  const schedule = program.command('schedule').description('Scheduled sweeps (Temporal schedules)');
  registerCreateCommand(schedule);
  registerListCommand(schedule);
  registerDescribeCommand(schedule);
  registerChangeCommands(schedule);
  registerBackfillCommand(schedule);
}
