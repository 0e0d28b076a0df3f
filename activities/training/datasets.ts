/**
 * Opening a dataset by URI and layout: safetensors file, NPY folder or image folder (docs/design.md §5).
 * See {@link SampleSource} for how samples are streamed.
 */
import type { SampleSource } from './dataset-source.js';
import { DatasetError } from './errors.js';
import { openImageFolderDataset, type ImageTarget } from './image-folder-dataset.js';
import type { RowReaderOptions } from './row-reader.js';
import { SourceNotFoundError, joinPath } from './sources/byte-source.js';
import { openLocation, type LocationDeps } from './sources/open-location.js';
import { openNpyDataset, openSafetensorsDataset } from './tensor-dataset.js';
import type { DatasetFormat } from './types.js';

export interface OpenDatasetOptions extends RowReaderOptions {
  uri: string;
  format: DatasetFormat;
  numClasses?: number;
  /** Size image folders are decoded to (the model's input). */
  imageTarget: ImageTarget;
}

/**
 * Opens the dataset at `options.uri`. With `format: 'auto'`: a `.safetensors` file, else a folder with
 * `x.npy` (NPY), else an image folder.
 * @throws DatasetError naming the field and the fix.
 */
export async function openDataset(options: OpenDatasetOptions, deps: LocationDeps): Promise<SampleSource> {
  const { source, path } = await openLocation(options.uri, deps);
  try {
    let format = options.format;
    if (format === 'auto') {
      if (/\.safetensors$/i.test(path)) format = 'safetensors';
      else if ((await source.size(joinPath(path, 'x.npy'))) !== undefined) format = 'npy';
      else format = 'image-folder';
    }
    const common = { ...options, uri: options.uri };
    switch (format) {
      case 'safetensors':
        return await openSafetensorsDataset(source, path, common);
      case 'npy':
        return await openNpyDataset(source, path, common);
      default:
        return await openImageFolderDataset(source, path, options.imageTarget, common);
    }
  } catch (error) {
    await source.close();
    if (error instanceof SourceNotFoundError) {
      throw new DatasetError(`${options.uri}: ${error.message}; check dataset.uri`, 'dataset.uri', {
        cause: error,
      });
    }
    throw error;
  }
}
