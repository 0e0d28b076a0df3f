import { posix } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidKeyError } from '../../../activities/store/errors.js';
import {
  isValidKey,
  MAX_SEGMENT_LENGTH,
  sweepKeys,
  validateKey,
  validatePrefix,
  validateSegment,
} from '../../../activities/store/keys.js';

/** Characters that make keys and segments interesting: separators, dots, controls, unicode. */
const keyChar = fc.constantFrom(
  'a',
  'Z',
  '0',
  '.',
  '-',
  '_',
  '/',
  '\\',
  ' ',
  '\u0000',
  '\u001f',
  '\u007f',
  'é',
  '\u{1F600}',
  '+',
  '@',
  '=',
);
const keyString = fc.array(keyChar, { maxLength: 24 }).map((chars) => chars.join(''));

describe('validateSegment', () => {
  it.each(['run-1', 'A', '0', 'sweep_2024.01.02', 'x=y+z@w', 'a'.repeat(MAX_SEGMENT_LENGTH)])(
    'accepts %j',
    (value) => {
      expect(validateSegment(value, 'sweepId')).toBe(value);
    },
  );

  it.each([
    ['empty', ''],
    ['slash', 'a/b'],
    ['backslash', 'a\\b'],
    ['dot', '.'],
    ['dot dot', '..'],
    ['embedded dot dot', 'a..b'],
    ['leading dot', '.hidden'],
    ['leading dash', '-rf'],
    ['space', 'a b'],
    ['NUL', 'a\u0000'],
    ['tab', 'a\tb'],
    ['unicode', 'é'],
    ['too long', 'a'.repeat(MAX_SEGMENT_LENGTH + 1)],
  ])('rejects %s, naming the field', (_label, value) => {
    expect(() => validateSegment(value, 'candidateId')).toThrow(InvalidKeyError);
    try {
      validateSegment(value, 'candidateId');
    } catch (error) {
      expect((error as InvalidKeyError).field).toBe('candidateId');
      expect((error as Error).message).toContain('candidateId');
    }
  });

  it('accepts exactly the strings of the documented alphabet that start with a letter or digit', () => {
    fc.assert(
      fc.property(keyString, (value) => {
        const expected =
          value.length > 0 &&
          value.length <= MAX_SEGMENT_LENGTH &&
          /^[A-Za-z0-9]/.test(value) &&
          [...value].every((c) => /[A-Za-z0-9._=+@-]/.test(c)) &&
          !value.includes('..');
        let accepted = true;
        try {
          validateSegment(value, 'f');
        } catch {
          accepted = false;
        }
        expect(accepted).toBe(expected);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('validateKey', () => {
  it.each([
    'a',
    'a/b/c.json',
    'sweeps/s1/candidates/c-1/snapshots/0000000001.safetensors',
    'sp ace/é/🙂',
    '.hidden/x',
    'a/..b/c',
  ])('accepts %j', (key) => {
    expect(validateKey(key)).toBe(key);
    expect(isValidKey(key)).toBe(true);
  });

  it.each([
    ['parent traversal', '../x'],
    ['inner traversal', 'a/../b'],
    ['trailing traversal', 'a/..'],
    ['dot segment', './a'],
    ['empty segment', 'a//b'],
    ['leading slash', '/a'],
    ['trailing slash', 'a/'],
    ['empty', ''],
    ['NUL', 'a\u0000'],
    ['ESC', 'a\u001b[31m'],
    ['DEL', '\u007f'],
    ['backslash', 'a\\..\\b'],
    ['over 1024 characters', 'a'.repeat(1025)],
    ['over 1024 UTF-8 bytes', 'é'.repeat(513)],
  ])('rejects %s', (_label, key) => {
    expect(() => validateKey(key)).toThrow(InvalidKeyError);
    expect(isValidKey(key)).toBe(false);
  });

  it('accepts 1024 bytes and no more', () => {
    expect(validateKey('a'.repeat(1024))).toHaveLength(1024);
    expect(() => validateKey('é'.repeat(512))).not.toThrow();
  });

  it('never lets an accepted key resolve outside its root (property)', () => {
    fc.assert(
      fc.property(keyString, (key) => {
        if (!isValidKey(key)) return;
        const resolved = posix.join('/root', key);
        expect(resolved.startsWith('/root/')).toBe(true);
        // Already normal: joining does not rewrite it, so the store sees the key it was given.
        expect(resolved).toBe(`/root/${key}`);
        // eslint-disable-next-line no-control-regex
        expect(key).not.toMatch(/[\u0000-\u001f\u007f\\]/);
      }),
      { numRuns: 5000 },
    );
  });
});

describe('validatePrefix', () => {
  it.each(['', 'a', 'a/', 'sweeps/s1/', 'sweeps/s1/cand'])('accepts %j', (prefix) => {
    expect(validatePrefix(prefix)).toBe(prefix);
  });
  it.each(['/', '../', 'a//', 'a//b/', '/a/', 'a/../'])('rejects %j', (prefix) => {
    expect(() => validatePrefix(prefix)).toThrow(InvalidKeyError);
  });
});

describe('sweepKeys', () => {
  it('lays out the sweep as docs/design.md §4 says', () => {
    const sweep = sweepKeys('sweep-1');
    expect(sweep.root).toBe('sweeps/sweep-1/');
    expect(sweep.spec).toBe('sweeps/sweep-1/spec.json');
    expect(sweep.reportJson).toBe('sweeps/sweep-1/report.json');
    expect(sweep.reportHtml).toBe('sweeps/sweep-1/report.html');
    const candidate = sweep.candidate('resnet_18');
    expect(candidate.root).toBe('sweeps/sweep-1/candidates/resnet_18/');
    expect(candidate.snapshot(0)).toBe(
      'sweeps/sweep-1/candidates/resnet_18/snapshots/0000000000.safetensors',
    );
    expect(candidate.snapshot(1234567)).toBe(
      'sweeps/sweep-1/candidates/resnet_18/snapshots/0001234567.safetensors',
    );
    expect(candidate.snapshotsPrefix).toBe('sweeps/sweep-1/candidates/resnet_18/snapshots/');
    expect(candidate.checkpoint(3)).toBe('sweeps/sweep-1/candidates/resnet_18/checkpoints/epoch-0003/');
    expect(candidate.checkpointsPrefix).toBe('sweeps/sweep-1/candidates/resnet_18/checkpoints/');
    expect(candidate.result).toBe('sweeps/sweep-1/candidates/resnet_18/result.json');
  });

  it('produces valid keys whose snapshot order is step order (property)', () => {
    fc.assert(
      fc.property(fc.nat({ max: 9_999_999_999 }), fc.nat({ max: 9_999_999_999 }), (a, b) => {
        const c = sweepKeys('s').candidate('c');
        const [ka, kb] = [c.snapshot(a), c.snapshot(b)];
        expect(isValidKey(ka)).toBe(true);
        expect(Math.sign(Buffer.compare(Buffer.from(ka), Buffer.from(kb)))).toBe(Math.sign(a - b));
        expect(ka.startsWith(c.snapshotsPrefix)).toBe(true);
      }),
    );
  });

  it('rejects bad IDs and steps with the field named', () => {
    expect(() => sweepKeys('../etc')).toThrow(/sweepId/);
    expect(() => sweepKeys('ok').candidate('a/b')).toThrow(/candidateId/);
    expect(() => sweepKeys('ok').candidate('c').snapshot(-1)).toThrow(InvalidKeyError);
    expect(() => sweepKeys('ok').candidate('c').snapshot(1.5)).toThrow(InvalidKeyError);
  });
});
