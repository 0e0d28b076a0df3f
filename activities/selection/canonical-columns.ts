/**
 * A canonical order of K outcome columns (one per contender, '0'/'1' per image), the same whatever the
 * order of the images and the names or order of the contenders, so a seeded bootstrap over them gives the
 * same numbers for the same data (paired-bootstrap.ts).
 *
 * Identical columns are interchangeable and kept together. Distinct columns are ordered by a signature
 * that ignores image order (hits, copies, and the sorted overlaps with every column); columns whose
 * signatures tie are ordered by trying their permutations and keeping those whose table of image
 * patterns (each pattern with its count) sorts first. Several orders give that table when the data is
 * symmetric under swapping some columns (with their images): all are returned, so the caller can give
 * such columns the same probability (their mean over the orders) instead of one chosen by their labels.
 * Beyond `MAX_TIE_ORDERS` orders the signature order alone is returned (then image order can matter; it
 * takes many columns tied on hits and every overlap).
 */

/** The most tie-breaking orders tried. */
export const MAX_TIE_ORDERS = 720;

interface Unit {
  key: string;
  members: number[];
  signature: number[];
}

function units(keys: readonly string[]): Unit[] {
  const byKey = new Map<string, number[]>();
  keys.forEach((key, k) => byKey.set(key, [...(byKey.get(key) ?? []), k]));
  const overlap = (a: string, b: string): number => {
    let count = 0;
    for (let i = 0; i < a.length; i++) if (a[i] === '1' && b[i] === '1') count++;
    return count;
  };
  return [...byKey].map(([key, members]) => ({
    key,
    members,
    signature: [
      overlap(key, key),
      members.length,
      ...keys.map((other) => overlap(key, other)).sort((x, y) => y - x),
    ],
  }));
}

const compareSignatures = (a: Unit, b: Unit): number => {
  for (let i = 0; i < a.signature.length; i++)
    if (a.signature[i] !== b.signature[i]) return a.signature[i]! - b.signature[i]!;
  return 0;
};

/** The image patterns of `order` with their counts, sorted: equal for orders that are symmetric. */
function patternCensus(order: readonly Unit[]): string {
  const counts = new Map<string, number>();
  for (let i = 0; i < order[0]!.key.length; i++) {
    const pattern = order.map((u) => u.key[i]).join('');
    counts.set(pattern, (counts.get(pattern) ?? 0) + 1);
  }
  return [...counts]
    .map(([p, c]) => `${p}:${c}`)
    .sort()
    .join(',');
}

function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((item, i) =>
    permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]),
  );
}

/** Every order of `sorted` that permutes only runs of equal signatures, or null when there are too many. */
function tieOrders(sorted: readonly Unit[]): Unit[][] | null {
  const runs: Unit[][] = [];
  for (const u of sorted)
    if (runs.length > 0 && compareSignatures(runs.at(-1)![0]!, u) === 0) runs.at(-1)!.push(u);
    else runs.push([u]);
  let total = 1;
  for (const run of runs) for (let f = 2; f <= run.length; f++) total *= f;
  if (total > MAX_TIE_ORDERS) return null;
  return runs.reduce<Unit[][]>(
    (orders, run) => orders.flatMap((prefix) => permutations(run).map((p) => [...prefix, ...p])),
    [[]],
  );
}

/** The canonical orders of the columns (indices into `keys`), one or more; see the module comment. */
export function canonicalColumnOrders(keys: readonly string[]): number[][] {
  const sorted = units(keys).sort(compareSignatures);
  const orders = tieOrders(sorted) ?? [sorted];
  const tables = orders.map(patternCensus);
  const first = tables.reduce((min, t) => (t < min ? t : min));
  return orders.filter((_, i) => tables[i] === first).map((order) => order.flatMap((u) => u.members));
}
