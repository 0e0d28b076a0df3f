/**
 * `ncap model inspect URI`: what a zoo model takes and where ncap cuts it, before any sweep: its inputs
 * (shape, layout, dtype), its layers or nodes with output shapes and parameter counts, and the automatic
 * cut with its reason. A table, or JSON with `--json`.
 */
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Command } from 'commander';
import { openStore } from '../../activities/store/open-store.js';
import { formatInspection, type ModelInspection } from '../../activities/training/model-inspection.js';
import { CliError } from './context.js';
import { EXIT_CODES } from './exit-codes.js';

/** A URI as given, or a local path (relative to the working directory) as a `file://` URI. */
export function modelUri(given: string): string {
  if (/^(file|s3|https?):\/\//.test(given)) return given;
  return pathToFileURL(isAbsolute(given) ? given : resolve(given)).href;
}

/** Loads the model at `uri` and describes it. @throws CliError (exit 2) when it cannot be read or loaded. */
export async function inspectModel(uri: string): Promise<ModelInspection> {
  // TF.js loads only when the command runs, not with every `ncap` invocation.
  const tf = await import('@tensorflow/tfjs');
  const { disposeCandidateModel, loadCandidateModel } =
    await import('../../activities/training/candidate-model.js');
  const { inspectTfjsModel } = await import('../../activities/training/inspect-tfjs-model.js');
  const { inspectOnnxModel } = await import('../../activities/training/inspect-onnx-model.js');
  await tf.setBackend('cpu');
  const stores: { close(): Promise<void> }[] = [];
  try {
    const model = await loadCandidateModel(uri, {
      tf,
      openStore: (storeUri) => {
        const store = openStore(storeUri);
        stores.push(store);
        return Promise.resolve(store);
      },
    });
    try {
      return model.format === 'onnx' ? inspectOnnxModel(model) : inspectTfjsModel(model);
    } finally {
      await disposeCandidateModel(model);
    }
  } catch (error) {
    if (error instanceof Error && (error as { nonRetryable?: boolean }).nonRetryable)
      throw new CliError(error.message, EXIT_CODES.usage, { cause: error });
    throw error;
  } finally {
    await Promise.all(stores.map((s) => s.close()));
  }
}

export function registerModelCommands(program: Command): void {
  const model = program.command('model').description('Look inside a zoo model before a sweep');
  model
    .command('inspect')
    .description(
      'Print a model’s inputs (shape, layout, dtype), its layers or nodes (output shape, parameters) and the automatic cut with its reason',
    )
    .argument(
      '<uri>',
      'model.json of a TF.js LayersModel or GraphModel, or a .onnx file: a path, file://, s3:// or http(s):// URI',
    )
    .option('--json', 'print the inspection as JSON')
    .addHelpText(
      'after',
      '\nExamples:\n  ncap model inspect zoo/mobilenet_v2/model.json\n  ncap model inspect s3://zoo/resnet50/ --json',
    )
    .action(async (given: string, options: { json?: boolean }) => {
      const inspection = await inspectModel(modelUri(given));
      console.log(options.json ? JSON.stringify(inspection, null, 2) : formatInspection(inspection));
    });
}
