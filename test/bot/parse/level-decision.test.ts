import { parseMessage } from "../../../src/bot/parse";
import { parsedCommandSchema } from "./parsed-command-schema";

const parse = (text: string) => parseMessage(text, { today: "2026-11-24" });

describe("定级 P<n> 确认 / 不调整", () => {
  test.each([
    ["定级 P3 确认", 3, "confirm"],
    ["定级 p3 确认", 3, "confirm"],
    ["定级P12确认", 12, "confirm"],
    ["定级 P3 同意", 3, "confirm"],
    ["定级 3 确认调整", 3, "confirm"],
    ["定级：P3，确认", 3, "confirm"],
    ["定级 P3 不调整", 3, "reject"],
    ["定级 P3 维持", 3, "reject"],
    ["定级 P7 不同意", 7, "reject"],
    ["调级 P3 不调整", 3, "reject"],
  ] as const)("%j", (text, proposalNumber, decision) => {
    const parsed = parse(text);
    expect(parsed).toStrictEqual({ kind: "level", proposalNumber, decision });
    expect(parsedCommandSchema.safeParse(parsed).success).toBe(true);
  });

  test.each([
    ["定级", {}],
    ["定级 P3", { proposalNumber: 3 }],
    ["定级 P3 再说", { proposalNumber: 3 }],
    ["定级 确认", {}],
    ["定级 P0 确认", {}],
  ] as const)("%j is incomplete and says what it understood", (text, understood) => {
    const parsed = parse(text);
    expect(parsed).toStrictEqual({
      kind: "incomplete",
      command: "level",
      reason: "missing_level_decision",
      understood,
    });
    expect(parsedCommandSchema.safeParse(parsed).success).toBe(true);
  });
});
