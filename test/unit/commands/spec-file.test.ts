import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { loadSpecFile } from '../../../scripts/sweeps/sweep-client.js';

describe('spec files: locations written as paths', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ncap-spec-file-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const url = (path: string) => pathToFileURL(path).href;

  it('resolves relative paths against the spec file’s folder and absolute paths as they are; URIs stay', async () => {
    const path = join(dir, 'nested', 'spec.yaml');
    rmSync(join(dir, 'nested'), { recursive: true, force: true });
    mkdirSync(join(dir, 'nested'));
    writeFileSync(
      path,
      [
        'name: paths',
        'store: ./out/store',
        'dataset: { uri: ./data, validationUri: ../held-out.safetensors, testUri: /abs/test.safetensors }',
        'candidates:',
        '  - { id: rel, model: ./models/a/model.json }',
        '  - { id: folder, model: models/b/ }',
        '  - { id: s3, model: s3://zoo/c/model.json }',
        '  - { id: web, model: https://example.org/d/model.json }',
      ].join('\n'),
    );
    const spec = await loadSpecFile(path);
    const here = join(dir, 'nested');
    expect(spec.store).toBe(url(join(here, 'out', 'store')));
    expect(spec.dataset.uri).toBe(url(join(here, 'data')));
    expect(spec.dataset.validationUri).toBe(url(join(dir, 'held-out.safetensors')));
    expect(spec.dataset.testUri).toBe('file:///abs/test.safetensors');
    expect(spec.candidates.map((c) => c.model)).toEqual([
      url(join(here, 'models', 'a', 'model.json')),
      `${url(join(here, 'models', 'b'))}/`,
      's3://zoo/c/model.json',
      'https://example.org/d/model.json',
    ]);
  });

  it('reads JSON specs the same way', async () => {
    const path = join(dir, 'spec.json');
    writeFileSync(
      path,
      JSON.stringify({
        dataset: { uri: 'data.safetensors' },
        candidates: [{ id: 'a', model: 'm/model.json' }],
      }),
    );
    const spec = await loadSpecFile(path);
    expect(spec.dataset.uri).toBe(url(join(dir, 'data.safetensors')));
    expect(spec.candidates[0]!.model).toBe(url(join(dir, 'm', 'model.json')));
  });
});
