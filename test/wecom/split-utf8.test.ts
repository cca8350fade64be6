import { WECOM_LIMITS } from "../../src/wecom/limits";
import { splitUtf8 } from "../../src/wecom/split-utf8";

const bytes = (s: string) => Buffer.byteLength(s, "utf8");

/** Every piece within the limit, no U+FFFD from a cut code point, and nothing lost. */
function expectValidSplit(text: string, pieces: string[], maxBytes: number) {
  for (const piece of pieces) {
    expect(bytes(piece)).toBeLessThanOrEqual(maxBytes);
    expect(piece.length).toBeGreaterThan(0);
    expect(Buffer.from(piece, "utf8").toString("utf8")).toBe(piece);
    expect(piece).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/);
  }
  // Separators dropped at cuts are single line breaks or spaces: removing all of them must agree.
  const squash = (s: string) => s.replace(/[\r\n \t\u3000]/g, "");
  expect(squash(pieces.join(""))).toBe(squash(text));
}

describe("splitUtf8", () => {
  it("defaults to WeCom's 2048-byte text limit", () => {
    expect(WECOM_LIMITS.textBytes).toBe(2048);
    const text = "走".repeat(700); // 2100 bytes
    const pieces = splitUtf8(text);
    expect(pieces).toHaveLength(2);
    expect(bytes(pieces[0] ?? "")).toBe(2046); // 682 × 3 bytes: never half a character
    expectValidSplit(text, pieces, 2048);
  });

  it("returns [] for empty text and the text itself when it fits", () => {
    expect(splitUtf8("", 2048)).toEqual([]);
    expect(splitUtf8("张三 正常", 2048)).toEqual(["张三 正常"]);
    const exact = "a".repeat(2048);
    expect(splitUtf8(exact, 2048)).toEqual([exact]);
  });

  it("counts bytes, not UTF-16 units: 1000 Chinese characters need two 2048-byte messages", () => {
    const text = "中".repeat(1000); // 1000 units, 3000 bytes
    const pieces = splitUtf8(text, 2048);
    expect(pieces).toEqual(["中".repeat(682), "中".repeat(318)]);
  });

  it("prefers the last line break and drops it", () => {
    const lines = Array.from(
      { length: 40 },
      (_, i) => `${i + 1}. 张三  精神障碍·风险2级  本周应访，已逾期2天`,
    );
    const text = lines.join("\n");
    const pieces = splitUtf8(text, 2048);
    expect(pieces.length).toBeGreaterThan(1);
    for (const piece of pieces) {
      // Each piece is made of whole lines.
      for (const line of piece.split("\n")) expect(lines).toContain(line);
    }
    expect(pieces.join("\n")).toBe(text);
    expectValidSplit(text, pieces, 2048);
  });

  it("handles CRLF line breaks as one separator", () => {
    const text = `${"甲".repeat(10)}\r\n${"乙".repeat(10)}`;
    expect(splitUtf8(text, 40)).toEqual(["甲".repeat(10), "乙".repeat(10)]);
  });

  it("falls back to Chinese sentence punctuation, keeping it", () => {
    const text = `${"一".repeat(5)}。${"二".repeat(5)}`;
    expect(splitUtf8(text, 30)).toEqual([`${"一".repeat(5)}。`, "二".repeat(5)]);
  });

  it("falls back to a space when there is no line break or punctuation", () => {
    expect(splitUtf8("aaaa bbbb cccc", 10)).toEqual(["aaaa bbbb", "cccc"]);
  });

  it("ignores a break that would leave a piece less than half full", () => {
    const text = `标题\n${"内".repeat(30)}`; // the newline is at byte 6 of 30
    const pieces = splitUtf8(text, 30);
    expect(pieces[0]).toBe(`标题\n${"内".repeat(7)}`); // 7 + 21 bytes; an 8th would make 31
    expectValidSplit(text, pieces, 30);
  });

  it("never splits a 4-byte emoji or a surrogate pair", () => {
    const text = "😀".repeat(10); // 40 bytes
    const pieces = splitUtf8(text, 10);
    expect(pieces).toEqual(["😀😀", "😀😀", "😀😀", "😀😀", "😀😀"]);
    expect(splitUtf8(`a${"😀".repeat(3)}`, 6)).toEqual(["a😀", "😀", "😀"]);
  });

  it("keeps emoji ZWJ sequences and flags whole when they fit", () => {
    const family = "👨‍👩‍👧‍👦"; // 25 bytes, one grapheme
    const text = `${"好".repeat(8)}${family}${"好".repeat(8)}`;
    const pieces = splitUtf8(text, 30);
    expect(pieces.some((p) => p.includes(family))).toBe(true);
    expectValidSplit(text, pieces, 30);
    const flags = "🇨🇳🇨🇳🇨🇳"; // 8 bytes per flag
    expect(splitUtf8(flags, 10)).toEqual(["🇨🇳", "🇨🇳", "🇨🇳"]);
  });

  it("cuts a grapheme larger than the limit at code points", () => {
    const family = "👨‍👩‍👧‍👦";
    const pieces = splitUtf8(family, 8);
    expectValidSplit(family, pieces, 8);
    expect(pieces.join("")).toBe(family);
  });

  it("mixed Chinese, ASCII and emoji at the real limit", () => {
    let text = "";
    for (let i = 0; i < 300; i++) text += `第${i}条：张三 正常 😀${i % 7 === 0 ? "\n" : ""}`;
    const pieces = splitUtf8(text, 2048);
    expect(pieces.length).toBeGreaterThan(2);
    expectValidSplit(text, pieces, 2048);
  });

  it.each([0, 3, 2.5, Number.NaN])("rejects maxBytes %p", (maxBytes) => {
    expect(() => splitUtf8("x", maxBytes)).toThrow(RangeError);
  });
});
