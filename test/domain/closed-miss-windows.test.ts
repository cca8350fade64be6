/**
 * closedMissWindows: which stored misses a visit dated `date` bears on, keyed exactly as
 * close-out keys them (calendar periods by their key, every-N-days by the window ending on the
 * close-out day).
 */
import { closedMissWindows, closeOutIntervals } from "../../src/domain/close-out-period";
import { DEFAULT_CADENCE_POLICIES } from "../../src/domain/cadence-defaults";
import { toDayNumber } from "../../src/domain/local-date";
import { guarantee, policy, regionAncestors, subject, visit } from "./fixtures";

const keys = (p: Parameters<typeof closedMissWindows>[0], date: string, today: string) =>
  closedMissWindows(p, date, today).map((w) => w.key);

describe("closedMissWindows", () => {
  it.each([
    // [period, visit date, today, keys]
    ["week", "2026-11-22", "2026-11-23", ["2026-W47"]], // Sunday, seen on Monday
    ["week", "2026-11-23", "2026-11-24", []], // this week is not closed
    ["week", "2026-11-24", "2026-11-24", []], // today
    ["month", "2026-10-31", "2026-11-01", ["2026-10"]],
    ["month", "2026-11-02", "2026-11-30", []],
    ["quarter", "2026-09-30", "2026-10-01", ["2026-Q3"]],
    ["year", "2025-12-31", "2026-01-01", ["2025"]],
  ] as const)("%s: a visit on %s seen on %s → %j", (period, date, today, expected) => {
    expect(keys(policy("mental_disorder", period), date, today)).toEqual(expected);
  });

  it("every-N-days: each window close-out judged that contains the date, up to yesterday", () => {
    const every3 = policy("mental_disorder", "days", { intervalDays: 3 });
    expect(closedMissWindows(every3, "2026-11-10", "2026-11-20")).toEqual([
      { key: "2026-11-07+3d", startDay: toDayNumber("2026-11-08"), endDay: toDayNumber("2026-11-10") },
      { key: "2026-11-08+3d", startDay: toDayNumber("2026-11-09"), endDay: toDayNumber("2026-11-11") },
      { key: "2026-11-09+3d", startDay: toDayNumber("2026-11-10"), endDay: toDayNumber("2026-11-12") },
    ]);
    // Windows ending today or later are not closed yet.
    expect(keys(every3, "2026-11-10", "2026-11-11")).toEqual(["2026-11-07+3d"]);
    expect(keys(every3, "2026-11-10", "2026-11-10")).toEqual([]);
  });

  it("every-N-days keys are the keys close-out records", () => {
    // A person last seen on 10 November, every 14 days: missed when 24 November closes.
    const result = closeOutIntervals({
      date: "2026-11-24",
      subjects: [subject(1, "mental_disorder", "risk2")],
      guarantees: [guarantee(1, "c1")],
      visits: [visit(1, "c1", "2026-11-10 10:00")],
      policies: DEFAULT_CADENCE_POLICIES,
      regionAncestors,
    });
    expect(result.missed).toHaveLength(1);
    const risk2 = DEFAULT_CADENCE_POLICIES.find(
      (p) => p.category === "mental_disorder" && p.level === "risk2",
    )!;
    // A visit entered late for 20 November lands in that window; one for 10 November does not.
    expect(keys(risk2, "2026-11-20", "2026-11-25")).toContain(result.missed[0]!.periodKey);
    expect(keys(risk2, "2026-11-10", "2026-11-25")).not.toContain(result.missed[0]!.periodKey);
  });
});
