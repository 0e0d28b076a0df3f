/** Registers every command group. Each group lives in its own module: `register…(program)`. */
import type { Command } from 'commander';
import { registerBetaCommand } from './beta.js';
import { registerCodecServerCommand } from './codec-server.js';
import { registerConvertCommands } from './convert.js';
import { registerDevCommands } from './dev.js';
import { registerModelCommands } from './model.js';
import { registerObserveCommand } from './observe.js';
import { registerReportCommand } from './report.js';
import { registerRunCommand } from './run.js';
import { registerScheduleCommands } from './schedule.js';
import { registerSweepCommands } from './sweep.js';
import { registerWorkerCommands } from './worker.js';

export function registerCommands(program: Command): void {
  registerRunCommand(program);
  registerDevCommands(program);
  registerBetaCommand(program);
  registerSweepCommands(program);
  registerScheduleCommands(program);
  registerReportCommand(program);
  registerModelCommands(program);
  registerObserveCommand(program);
  registerWorkerCommands(program);
  registerCodecServerCommand(program);
  registerConvertCommands(program);
}
