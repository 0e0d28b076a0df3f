/**
 * A TF.js GraphModel small enough to write by hand: `x → Cast(float) → Identity`, its placeholder shaped
 * and typed as real graph models declare theirs (a fixed batch, NCHW, int32), so tests can feed such
 * models without shipping one.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** Writes `folder/model.json` (no weights) and returns its `file://` URI. */
export async function writeIdentityGraphModel(
  folder: string,
  shape: readonly number[],
  dtype: 'DT_FLOAT' | 'DT_INT32',
): Promise<string> {
  await mkdir(folder, { recursive: true });
  const node = [
    {
      name: 'x',
      op: 'Placeholder',
      attr: { dtype: { type: dtype }, shape: { shape: { dim: shape.map((d) => ({ size: String(d) })) } } },
    },
    { name: 'cast', op: 'Cast', input: ['x'], attr: { SrcT: { type: dtype }, DstT: { type: 'DT_FLOAT' } } },
    { name: 'Identity', op: 'Identity', input: ['cast'], attr: { T: { type: 'DT_FLOAT' } } },
  ];
  await writeFile(
    join(folder, 'model.json'),
    JSON.stringify({
      format: 'graph-model',
      modelTopology: { node, versions: { producer: 1 } },
      weightsManifest: [],
    }),
  );
  return pathToFileURL(join(folder, 'model.json')).href;
}
