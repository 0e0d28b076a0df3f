/**
 * The names nearest a misspelt one, for errors that say what there is: names containing it (or contained
 * in it) first, then by Levenshtein distance, case-insensitive.
 */

/** Levenshtein edit distance (insertions, deletions, substitutions), two-row dynamic programme. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length]!;
}

/**
 * Up to `limit` of `names` nearest `wanted`: substring matches first (shortest first), then the smallest
 * edit distances; ties keep the names' order.
 */
export function nearestNames(wanted: string, names: readonly string[], limit = 5): string[] {
  const w = wanted.toLowerCase();
  const ranked = [...new Set(names)].map((name, index) => {
    const n = name.toLowerCase();
    const contains = n.includes(w) || w.includes(n);
    return { name, index, contains, distance: contains ? n.length : editDistance(w, n) };
  });
  ranked.sort(
    (a, b) => Number(b.contains) - Number(a.contains) || a.distance - b.distance || a.index - b.index,
  );
  return ranked.slice(0, limit).map((r) => r.name);
}
