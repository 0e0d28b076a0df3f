/** A Keras model file named as a model is refused at validation, naming the field and the conversion. */
import { describe, expect, it } from 'vitest';
import { InvalidSpecError, validateSweepSpec } from '../../../activities/spec/sweep-spec.js';
import { modelSchema } from '../../../activities/spec/training-schema.js';

const specWith = (models: string[]) => ({
  dataset: { uri: 'file:///data/d.safetensors' },
  candidates: models.map((model, i) => ({ id: `c${i}`, model })),
});

function issues(models: string[]): { path: string; message: string }[] {
  try {
    validateSweepSpec(specWith(models));
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidSpecError);
    return (error as InvalidSpecError).issues;
  }
  return [];
}

describe('Keras model URIs in a spec', () => {
  it('refuses .keras, .h5 and .hdf5 files naming candidates[i].model and the convert command', () => {
    const found = issues([
      'file:///zoo/ok/model.json',
      'file:///zoo/effnet.keras',
      's3://bucket/zoo/resnet.H5',
      'file:///zoo/old.hdf5?v=1',
    ]);
    expect(found.map((i) => i.path)).toEqual([
      'candidates[1].model',
      'candidates[2].model',
      'candidates[3].model',
    ]);
    expect(found[0]!.message).toContain('ncap convert keras /zoo/effnet.keras /zoo/effnet-tfjs');
    expect(found[0]!.message).toContain('file:///zoo/effnet-tfjs/model.json');
    expect(found[1]!.message).toMatch(/ncap convert keras FILE\.h5 OUT_DIR/i);
    expect(found[2]!.message).toContain('ncap convert keras /zoo/old.hdf5 /zoo/old-tfjs');
  });

  it('accepts TF.js model.json locations (and folders) as before', () => {
    expect(issues(['file:///zoo/a/model.json', 'https://host/zoo/b/', 's3://b/keras/model.json'])).toEqual(
      [],
    );
  });

  it('applies to a training input model.uri too', () => {
    const parsed = modelSchema.safeParse({ uri: 'file:///zoo/m.h5' });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.path).toEqual(['uri']);
    expect(parsed.error?.issues[0]?.message).toContain('ncap convert keras');
  });
});
