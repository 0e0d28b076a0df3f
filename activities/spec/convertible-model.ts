/**
 * Model files that ncap does not load but that convert to one it does: a spec naming one is refused with the
 * command that converts it.
 */

/** File endings of Keras models (Keras 3 `.keras` archives, HDF5 files of Keras 2 and 3). */
export const KERAS_MODEL_EXTENSIONS = ['.keras', '.h5', '.hdf5'] as const;

/** The path part of a URI (no query or fragment), percent-decoded where possible. */
function uriPath(uri: string): string {
  const path = uri.replace(/[?#].*$/, '');
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

/**
 * Why `uri` cannot be a model as it is, with the conversion that makes it one; `undefined` when it is not a
 * known convertible format.
 */
export function convertibleModelProblem(uri: string): string | undefined {
  const path = uriPath(uri);
  const extension = KERAS_MODEL_EXTENSIONS.find((ext) => path.toLowerCase().endsWith(ext));
  if (!extension) return undefined;
  const convert = uri.startsWith('file://')
    ? (() => {
        const local = path.slice('file://'.length);
        const out = `${local.slice(0, -extension.length)}-tfjs`;
        return `\`ncap convert keras ${local} ${out}\` and name file://${out}/model.json instead`;
      })()
    : `\`ncap convert keras FILE${extension} OUT_DIR\` on a local copy and name OUT_DIR/model.json instead`;
  return `${uri} is a Keras model (${extension}), which TF.js cannot load: convert it with ${convert} (docs/models.md)`;
}
