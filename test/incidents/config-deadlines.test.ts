import { ConfigError, loadConfig } from "../../src/config";

test("ladder deadlines default to 5 and 30 minutes and are configurable", () => {
  expect(loadConfig({}).ackDeadlines).toEqual({ emergencyMs: 5 * 60_000, urgentMs: 30 * 60_000 });
  expect(
    loadConfig({ BAOBAO_ACK_EMERGENCY_MINUTES: "3", BAOBAO_ACK_URGENT_MINUTES: " 60 " }).ackDeadlines,
  ).toEqual({ emergencyMs: 3 * 60_000, urgentMs: 60 * 60_000 });
  expect(loadConfig({ BAOBAO_ACK_EMERGENCY_MINUTES: "" }).ackDeadlines.emergencyMs).toBe(5 * 60_000);
});

test.each(["0", "-5", "2.5", "五分钟", "1441"])(
  "BAOBAO_ACK_EMERGENCY_MINUTES=%j is refused in Chinese",
  (value) => {
    expect(() => loadConfig({ BAOBAO_ACK_EMERGENCY_MINUTES: value })).toThrow(ConfigError);
    expect(() => loadConfig({ BAOBAO_ACK_EMERGENCY_MINUTES: value })).toThrow(
      "BAOBAO_ACK_EMERGENCY_MINUTES 必须是分钟数（1 到 1440 的整数）",
    );
  },
);
