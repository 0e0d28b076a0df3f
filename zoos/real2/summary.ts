/**
 * The second real zoo's README tables, written from its manifest by `npm run zoo:real2:build`: the networks
 * (source, licence, format, input, normalisation, cut, width, parameters) and the feature-extraction times.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { normalisationText } from '../../activities/spec/normalisation.js';
import type { Real2ZooManifest } from './build.js';

const millions = (n: number): string =>
  n >= 1e6 ? `${(n / 1e6).toFixed(2)} M` : `${(n / 1e3).toFixed(0)} k`;

/** One row per network. */
export function networksMarkdownTable(manifest: Real2ZooManifest): string {
  const rows = manifest.networks.map((n) => {
    const c = manifest.candidates.find((x) => x.network === n.id);
    const cut = `\`${n.featureLayer.split('/').slice(-3).join('/')}\`${n.featurePooling === 'average' ? ', average-pooled' : ''}: ${n.cut}`;
    return `| \`${n.id}\` | ${n.architecture}; ${n.pretraining} | ${n.source.name}@${n.source.version} (\`${n.file}\`) | ${n.source.licence}; ${n.licenceNote} | ${n.format === 'onnx' ? 'ONNX' : 'GraphModel'} | ${n.input} | \`${normalisationText(n.normalisation)}\` | ${cut} | ${c?.featureDim ?? '—'} | ${millions(n.params)} |`;
  });
  return [
    '| network | architecture; pre-training | source (file) | licence | format | input | normalisation | cut | width | params |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | ---: | ---: |',
    ...rows,
  ].join('\n');
}

/** Feature-extraction seconds per split and images per second, as last computed. */
export function buildTimesMarkdownTable(manifest: Real2ZooManifest): string {
  const rows = manifest.networks.map((n) => {
    const s = n.featureSeconds;
    const total = (s.train ?? 0) + (s.validation ?? 0) + (s.test ?? 0);
    const images =
      manifest.dataset.samples.train + manifest.dataset.samples.validation + manifest.dataset.samples.test;
    const cell = (x: number | undefined) => (x === undefined ? '—' : `${x.toFixed(0)} s`);
    return `| \`${n.id}\` | ${n.fedShape.join('×')} | ${cell(s.train)} | ${cell(s.validation)} | ${cell(s.test)} | ${total > 0 ? (images / total).toFixed(1) : '—'} |`;
  });
  const backend = [...new Set(manifest.networks.map((n) => n.featureBackend).filter(Boolean))].join(', ');
  return [
    `Feature extraction, one network at a time, batches of 32 (a fixed-batch model fed in its own batches), TF.js backend ${backend || '—'} (ONNX models through onnxruntime-node on the CPU), on this project's shared 2-core machine while other sessions used it (load average about 17):`,
    '',
    '| network | fed | train (600) | validation (300) | test (600) | img/s |',
    '| --- | --- | ---: | ---: | ---: | ---: |',
    ...rows,
  ].join('\n');
}

/** Replaces the text between `<!-- name:start -->` and `<!-- name:end -->`. @throws TypeError without the markers */
export function replaceBlock(text: string, name: string, body: string): string {
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const a = text.indexOf(start);
  const b = text.indexOf(end);
  if (a < 0 || b < a) throw new TypeError(`no ${start} … ${end} block to fill`);
  return `${text.slice(0, a + start.length)}\n${body}\n${text.slice(b)}`;
}

/** Rewrites the networks and build-times tables of the zoo's README from its manifest. */
export async function writeReadmeTables(readmePath: string, manifest: Real2ZooManifest): Promise<void> {
  let text = await readFile(readmePath, 'utf8');
  text = replaceBlock(text, 'networks-table', networksMarkdownTable(manifest));
  text = replaceBlock(text, 'build-times', buildTimesMarkdownTable(manifest));
  await writeFile(readmePath, text);
}
