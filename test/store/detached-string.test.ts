import { detached } from "../../src/store/detached-string";

describe("detached", () => {
  it("returns equal strings, short ones unchanged", () => {
    const page = `${"mental_disorder\t".repeat(1000)}阿卜杜热合曼·买买提明艾力`;
    const long = page.slice(page.length - 13);
    expect(detached(long)).toBe(long);
    expect(detached("risk3")).toBe("risk3");
    expect(detached("")).toBe("");
    expect(detached('含"引号"与\\反斜杠\t和制表符的很长的名字')).toBe(
      '含"引号"与\\反斜杠\t和制表符的很长的名字',
    );
  });
});
