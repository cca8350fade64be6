/**
 * V8 keeps a substring of 13 characters or more as a slice of its parent: one category code or
 * one long name kept from a bulk page (megabytes of text) keeps the whole page alive. Values kept
 * beyond the parse of such a page go through here. Shorter substrings are copies already.
 */
const SLICE_MIN_LENGTH = 13;

/** `value` as a string of its own (no reference to a larger string it was cut from). */
export function detached(value: string): string {
  return value.length < SLICE_MIN_LENGTH ? value : (JSON.parse(JSON.stringify(value)) as string);
}
