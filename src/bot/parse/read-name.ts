import { RESERVED_WORDS } from "./vocabulary";

const HAN_RUN = /[\p{Script=Han}·]+/uy;
const NUMERAL_ONLY = /^[一二三四五六七八九十百千零〇两]+$/u;

/** True when `text` has the shape of a person's name and is not a word the parser knows. */
export function isNameLike(text: string): boolean {
  const chars = Array.from(text);
  if (text.includes("·")) {
    const parts = text.split("·");
    const han = chars.length - (parts.length - 1);
    if (parts.some((part) => part === "") || han < 2 || han > 16) return false;
  } else if (chars.length < 2 || chars.length > 4) {
    return false;
  }
  if (NUMERAL_ONLY.test(text)) return false;
  for (let i = 0; i < text.length; i += 1) if (RESERVED_WORDS.matchAt(text, i) !== null) return false;
  return true;
}

/**
 * Reads a name candidate at `index` of the lower-cased text: 2–4 Chinese characters (or a longer name with ·, such as
 * 阿依古丽·买买提) that is not and does not contain a known word. When the name is glued to what
 * follows (`王秀英正常`, `张三持刀`), it is split where a word recognised by `isWordAt` begins.
 * A whole token that ends the message or is followed by a known word wins over a split
 * (`张三好 正常` is 张三好, and so is `张三好` alone). The bot resolves the candidate against the
 * cadre's own people.
 */
export function readName(
  lower: string,
  index: number,
  isWordAt: (lower: string, index: number) => boolean,
): { name: string; end: number } | null {
  HAN_RUN.lastIndex = index;
  const run = HAN_RUN.exec(lower)?.[0];
  if (run === undefined) return null;
  const runEnd = index + run.length;
  const next = lower[runEnd];
  // The run must end at a separator or the end, or at something that is not Chinese (e.g. 张三2).
  const wholeFits = isNameLike(run) && (next === undefined || next === " ");
  if (wholeFits) {
    const after = runEnd + 1;
    if (next === undefined || isWordAt(lower, after)) return { name: run, end: runEnd };
  }
  const chars = Array.from(run);
  let length = 0;
  for (let count = 1; count < chars.length && count <= 16; count += 1) {
    length += (chars[count - 1] as string).length;
    if (count < 2) continue;
    const candidate = run.slice(0, length);
    if (isNameLike(candidate) && isWordAt(lower, index + length))
      return { name: candidate, end: index + length };
  }
  return wholeFits ? { name: run, end: runEnd } : null;
}
