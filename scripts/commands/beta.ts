/**
 * `ncap beta FILE…`: the neural capacitance β_eff (and its parts) of NCP snapshot files (safetensors with
 * `ncp.{l}.kernel` tensors). Prints a table, or JSON with `--json`. Invalid files are reported by name on
 * stderr and make the command exit with code 2 after the valid ones are printed.
 */
import { readFileSync } from 'node:fs';
import { CommanderError, type Command, Option } from 'commander';
import {
  type BetaEffLayer,
  CapacitanceError,
  computeBetaEff,
  decodeSafetensors,
  DEFAULT_INTERACTION_MODEL,
  INTERACTION_MODEL_NAMES,
  type InteractionModelName,
  kernelsFromTensors,
} from '../../activities/capacitance/index.js';
import { DEFAULT_BETA_SETTINGS } from '../../activities/spec/training-schema.js';
import { EXIT_CODES } from './exit-codes.js';

/** One scored snapshot file, as printed by `--json`. */
export interface BetaRow {
  file: string;
  betaEff: number;
  numerator: number;
  denominator: number;
  xEff: number;
  model: string;
  skipInputProjection: boolean;
  /** Number of scored synapses. */
  weightCount: number;
  /** The file's `__metadata__` (sweepId, candidateId, epoch, step, …). */
  metadata: Record<string, string>;
  layers: BetaEffLayer[];
}

export interface BetaScoringOptions {
  /** Interaction model defining the line graph's weights. @default 'abs-product' */
  model?: InteractionModelName;
  /** Leave kernel 0 (the input projection) out of the scored network. @default as a sweep spec: true */
  skipInputProjection?: boolean;
}

/**
 * β_eff of one snapshot file's bytes. Extra tensors are passed to the model as batch statistics.
 * @throws CapacitanceError for an invalid file or network.
 */
export function scoreSnapshotBytes(
  file: string,
  bytes: Uint8Array,
  options: BetaScoringOptions = {},
): BetaRow {
  const { tensors, metadata } = decodeSafetensors(bytes);
  const { kernels, extra } = kernelsFromTensors(tensors);
  const result = computeBetaEff(kernels, {
    model: options.model ?? DEFAULT_INTERACTION_MODEL,
    skipInputProjection: options.skipInputProjection ?? DEFAULT_BETA_SETTINGS.skipInputProjection,
    stats: extra,
  });
  return {
    file,
    betaEff: result.betaEff,
    numerator: result.numerator,
    denominator: result.denominator,
    xEff: result.xEff,
    model: result.model,
    skipInputProjection: result.skipInputProjection,
    weightCount: result.weightCount,
    metadata,
    layers: result.layers,
  };
}

/** Where the command writes; tests substitute their own. */
export interface BetaCommandIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  readFile: (path: string) => Uint8Array;
}

const defaultIo: BetaCommandIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  readFile: (path) => readFileSync(path),
};

function formatNumber(value: number): string {
  if (value === 0) return '0';
  const magnitude = Math.abs(value);
  return magnitude >= 1e-3 && magnitude < 1e6 ? value.toPrecision(6) : value.toExponential(5);
}

/** A plain text table: left-aligned first column, right-aligned numbers. */
export function formatBetaTable(rows: readonly BetaRow[]): string {
  const header = [
    'file',
    'epoch',
    'step',
    'beta_eff',
    'numerator',
    'denominator',
    'x_eff',
    'layers',
    'weights',
  ];
  const body = rows.map((row) => [
    row.file,
    row.metadata.epoch ?? '-',
    row.metadata.step ?? '-',
    formatNumber(row.betaEff),
    formatNumber(row.numerator),
    formatNumber(row.denominator),
    formatNumber(row.xEff),
    row.layers.map((l) => l.index).join(','),
    String(row.weightCount),
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...body.map((r) => r[c]!.length)));
  const line = (cells: string[]): string =>
    cells
      .map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!)))
      .join('  ')
      .trimEnd();
  return [line(header), ...body.map(line)].join('\n') + '\n';
}

function describeError(error: unknown): string {
  if (error instanceof CapacitanceError) return error.message;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EISDIR') return 'is a directory, not a snapshot file';
  if (code === 'EACCES') return 'permission denied';
  return error instanceof Error ? error.message : String(error);
}

/** Registers `beta FILE…` on `program`. */
export function registerBetaCommand(program: Command, io: Partial<BetaCommandIo> = {}): void {
  const { stdout, stderr, readFile } = { ...defaultIo, ...io };
  program
    .command('beta')
    .description('Print the neural capacitance β_eff (and its parts) of NCP snapshot files (safetensors)')
    .argument('<files...>', 'snapshot files (.safetensors with ncp.{l}.kernel tensors)')
    .option('--json', 'print a JSON array of {file, betaEff, numerator, denominator, xEff, layers, …}')
    .addOption(
      new Option('--model <name>', 'interaction model defining the line graph weights')
        .choices(INTERACTION_MODEL_NAMES)
        .default(DEFAULT_INTERACTION_MODEL),
    )
    .option(
      '--skip-input-projection',
      `leave kernel 0 (the input projection) out of the scored network, as a sweep does${DEFAULT_BETA_SETTINGS.skipInputProjection ? ' (the default)' : ''}`,
    )
    .option(
      '--no-skip-input-projection',
      `score every kernel, the input projection included${DEFAULT_BETA_SETTINGS.skipInputProjection ? '' : ' (the default)'}`,
    )
    .action(
      (
        files: string[],
        options: { json?: boolean; model: InteractionModelName; skipInputProjection?: boolean },
      ) => {
        const rows: BetaRow[] = [];
        const failures: string[] = [];
        for (const file of files) {
          try {
            rows.push(
              scoreSnapshotBytes(file, readFile(file), {
                model: options.model,
                skipInputProjection: options.skipInputProjection ?? DEFAULT_BETA_SETTINGS.skipInputProjection,
              }),
            );
          } catch (error) {
            const known =
              error instanceof CapacitanceError || typeof (error as NodeJS.ErrnoException)?.code === 'string';
            if (!known) throw error;
            failures.push(`${file}: ${describeError(error)}`);
          }
        }
        if (options.json) stdout(JSON.stringify(rows, null, 2) + '\n');
        else if (rows.length > 0) stdout(formatBetaTable(rows));
        for (const failure of failures) stderr(`ncap beta: ${failure}\n`);
        if (failures.length > 0) {
          throw new CommanderError(
            EXIT_CODES.usage,
            'ncap.invalidInput',
            `${failures.length} of ${files.length} snapshot file(s) could not be scored`,
          );
        }
      },
    );
}
