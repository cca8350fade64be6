/** One word in a keyword table and what it stands for. */
export interface KeywordEntry<V> {
  readonly word: string;
  readonly value: V;
}

/** A successful match: the entry's value, the word as listed, and where the match ends. */
export interface KeywordMatch<V> {
  readonly value: V;
  readonly word: string;
  readonly start: number;
  readonly end: number;
}

/** Finds the longest listed word at a position of a lower-cased, normalised text. */
export interface KeywordMatcher<V> {
  /** The longest entry starting exactly at `index`, or null. */
  matchAt(lower: string, index: number): KeywordMatch<V> | null;
  /** True when `lower` equals one of the words. */
  has(word: string): boolean;
}

const isAsciiAlphanumeric = (ch: string | undefined): boolean => ch !== undefined && /[a-z0-9]/.test(ch);

/**
 * Builds a matcher over `entries`. Words are compared lower-cased. Words in `bounded` (single
 * characters such as 好) and words made of ASCII letters (ok) only match as whole tokens, so that
 * 好转 is not 好 and "book" is not "ok". On equal length the first listed entry wins.
 */
export function createKeywordMatcher<V>(
  entries: readonly KeywordEntry<V>[],
  bounded: ReadonlySet<string> = new Set(),
): KeywordMatcher<V> {
  const byFirstChar = new Map<string, KeywordEntry<V>[]>();
  const words = new Set<string>();
  for (const entry of entries) {
    const word = entry.word.toLowerCase();
    if (word === "") continue;
    words.add(word);
    const first = word[0] as string;
    const list = byFirstChar.get(first) ?? [];
    list.push({ word, value: entry.value });
    byFirstChar.set(first, list);
  }
  // Stable sort: longest first, ties keep their listed order.
  for (const list of byFirstChar.values()) list.sort((a, b) => b.word.length - a.word.length);

  return {
    matchAt(lower, index) {
      const first = lower[index];
      if (first === undefined) return null;
      const candidates = byFirstChar.get(first);
      if (candidates === undefined) return null;
      for (const entry of candidates) {
        if (!lower.startsWith(entry.word, index)) continue;
        const end = index + entry.word.length;
        const next = lower[end];
        if (bounded.has(entry.word) && next !== undefined && next !== " ") continue;
        if (/[a-z]/.test(entry.word)) {
          if (isAsciiAlphanumeric(next) || isAsciiAlphanumeric(lower[index - 1])) continue;
        }
        return { value: entry.value, word: entry.word, start: index, end };
      }
      return null;
    },
    has(word) {
      return words.has(word);
    },
  };
}

/** Flattens a `{ value: words[] }` record into matcher entries. */
export function entriesOf<V extends string>(
  table: Readonly<Record<V, readonly string[]>>,
): KeywordEntry<V>[] {
  const entries: KeywordEntry<V>[] = [];
  for (const value of Object.keys(table) as V[]) {
    for (const word of table[value]) entries.push({ word, value });
  }
  return entries;
}
