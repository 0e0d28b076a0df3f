import { describe, expect, it } from 'vitest';
import {
  packOutcomes,
  readOutcomes,
  unpackOutcomes,
  writeOutcomes,
} from '../../../activities/training/outcome-bitmap.js';
import { mulberry32 } from '../../../activities/training/rng.js';
import { tempStore } from './helpers.js';

/** numpy.packbits(bits) (bitorder 'big'), written out independently: each group of 8 read as a binary number. */
function packbitsOracle(bits: number[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < bits.length; i += 8)
    out.push(
      parseInt(
        bits
          .slice(i, i + 8)
          .join('')
          .padEnd(8, '0'),
        2,
      ),
    );
  return out;
}

describe('outcome bitmaps', () => {
  const random = mulberry32(1);
  const bits = Array.from({ length: 1003 }, () => (random() < 0.7 ? 1 : 0));

  it('pack 1,000 outcomes into 125 bytes, most-significant bit first, as numpy.packbits does', () => {
    expect(packOutcomes(bits.slice(0, 1000)).length).toBe(125);
    expect([...packOutcomes(bits)]).toEqual(packbitsOracle(bits));
    expect([...packOutcomes([1, 0, 0, 0, 0, 0, 0, 1, 1])]).toEqual([0x81, 0x80]);
  });

  it('unpack to the outcomes packed, and refuse a bitmap of another length', () => {
    for (const n of [0, 1, 7, 8, 9, 1003])
      expect([...unpackOutcomes(packOutcomes(bits.slice(0, n)), n)]).toEqual(bits.slice(0, n));
    expect(() => unpackOutcomes(packOutcomes(bits), 1000)).toThrow(/126 bytes|has 126/);
  });

  it('round-trip through a store, and read as undefined where none was written', async () => {
    const { store, cleanup } = await tempStore();
    try {
      await writeOutcomes(store, 'a/outcomes/1.bits', bits);
      expect([...(await readOutcomes(store, 'a/outcomes/1.bits', bits.length))!]).toEqual(bits);
      expect(await readOutcomes(store, 'a/outcomes/2.bits', bits.length)).toBeUndefined();
    } finally {
      await cleanup();
    }
  });
});
