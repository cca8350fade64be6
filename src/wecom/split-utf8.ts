/**
 * Splitting long texts for WeCom, which silently truncates text content beyond 2048 UTF-8 bytes
 * (message/send, appchat/send, webhook text, passive replies; wecom.md §4.2, §4.5, §7.4).
 */
import { WECOM_LIMITS } from "./limits";

interface Unit {
  text: string;
  bytes: number;
}

const SENTENCE_END = new Set(["。", "！", "？", "；", "!", "?", ";", "…"]);
const LINE_BREAK = /^(?:\r\n|\n|\r)$/;
const SPACE = /^[ \t\u3000]$/;

/**
 * Splits `text` into pieces of at most `maxBytes` UTF-8 bytes, never inside a character (nor,
 * where possible, inside an emoji / grapheme cluster).
 *
 * A piece ends, by preference, at a line break (dropped), after sentence punctuation (。！？；),
 * or at a space (dropped) — but only if that keeps the piece at least half full; otherwise the
 * piece is cut at the byte limit. Joining the pieces with the dropped separators gives back the
 * text. Returns [] for "" and [text] when it already fits.
 */
export function splitUtf8(text: string, maxBytes: number = WECOM_LIMITS.textBytes): string[] {
  if (!Number.isInteger(maxBytes) || maxBytes < 4) {
    throw new RangeError("maxBytes must be an integer ≥ 4 (one UTF-8 code point)");
  }
  if (text === "") return [];
  if (Buffer.byteLength(text, "utf8") <= maxBytes) return [text];

  const units = toUnits(text, maxBytes);
  const pieces: string[] = [];
  let start = 0;
  while (start < units.length) {
    let end = start;
    let bytes = 0;
    while (end < units.length && bytes + (units[end]?.bytes ?? 0) <= maxBytes) {
      bytes += units[end]?.bytes ?? 0;
      end++;
    }
    if (end === units.length) {
      pieces.push(join(units, start, end));
      break;
    }
    const cut = findCut(units, start, end, maxBytes);
    pieces.push(join(units, start, cut.end));
    start = cut.next;
  }
  return pieces;
}

/** Chooses where the piece [start, end) should end and where the next one starts. */
function findCut(units: Unit[], start: number, end: number, maxBytes: number): { end: number; next: number } {
  const minBytes = Math.ceil(maxBytes / 2);
  // Byte offset from `start` of each candidate position, computed once.
  const offsets: number[] = [0];
  for (let i = start; i < end; i++) offsets.push((offsets[i - start] ?? 0) + (units[i]?.bytes ?? 0));
  const offset = (position: number) => offsets[position - start] ?? 0;

  // A separator exactly at `end` still lets the piece be [start, end).
  for (let p = end; p > start && offset(p) >= minBytes; p--) {
    if (LINE_BREAK.test(units[p]?.text ?? "")) return { end: p, next: p + 1 };
  }
  for (let p = end - 1; p >= start && offset(p + 1) >= minBytes; p--) {
    if (SENTENCE_END.has(units[p]?.text ?? "")) return { end: p + 1, next: p + 1 };
  }
  for (let p = end; p > start && offset(p) >= minBytes; p--) {
    if (SPACE.test(units[p]?.text ?? "")) return { end: p, next: p + 1 };
  }
  return { end, next: end };
}

/** Grapheme clusters with their byte sizes; a cluster larger than maxBytes falls back to code points. */
function toUnits(text: string, maxBytes: number): Unit[] {
  const units: Unit[] = [];
  const segmenter = new Intl.Segmenter(undefined, { granularity: "grapheme" });
  for (const { segment } of segmenter.segment(text)) {
    const bytes = Buffer.byteLength(segment, "utf8");
    if (bytes <= maxBytes) {
      units.push({ text: segment, bytes });
    } else {
      for (const codePoint of segment)
        units.push({ text: codePoint, bytes: Buffer.byteLength(codePoint, "utf8") });
    }
  }
  return units;
}

function join(units: Unit[], start: number, end: number): string {
  let out = "";
  for (let i = start; i < end; i++) out += units[i]?.text ?? "";
  return out;
}
