import {
  closeOutIntervals,
  closeOutPeriod,
  closeOutVisitWindowStart,
  escalationRung,
} from "../../src/domain/close-out-period";
import { periodFromKey } from "../../src/domain/periods";
import type { CadencePolicy } from "../../src/domain/policy";
import type { GuaranteeRecord, SubjectRecord, VisitRecord } from "../../src/domain/records";
import { guarantee, policy, regionAncestors, subject, visit } from "./fixtures";
import { DEFAULT_CADENCE_POLICIES } from "../../src/domain/cadence-defaults";

const weekly = [policy("mental_disorder", "week")];

function closeWeek(
  key: string,
  subjects: SubjectRecord[],
  guarantees: GuaranteeRecord[],
  visits: VisitRecord[],
  policies: readonly CadencePolicy[] = weekly,
) {
  return closeOutPeriod({
    period: periodFromKey(key),
    subjects,
    guarantees,
    visits,
    policies,
    regionAncestors,
  });
}

describe("escalationRung", () => {
  it.each([
    [0, undefined],
    [1, "guarantor"],
    [2, "village_leader"],
    [3, "township_leader"],
    [7, "township_leader"],
  ])("%i consecutive misses → %s", (misses, rung) => {
    expect(escalationRung(misses)).toBe(rung);
  });
});

describe("closeOutPeriod — escalation over three periods", () => {
  const s = subject(1, "mental_disorder", "risk3", { name: "张三" });
  const g = guarantee(1, "c1");
  // Seen in W43, then nothing in W44, W45, W46, W47; seen again in W48.
  const visits = [visit(1, "c1", "2026-10-21 10:00"), visit(1, "c1", "2026-11-25 10:00")];

  it.each([
    ["2026-W43", undefined],
    ["2026-W44", { consecutiveMisses: 1, rung: "guarantor" }],
    ["2026-W45", { consecutiveMisses: 2, rung: "village_leader" }],
    ["2026-W46", { consecutiveMisses: 3, rung: "township_leader" }],
    ["2026-W47", { consecutiveMisses: 3, rung: "township_leader" }],
    ["2026-W48", undefined],
  ])("closing %s", (key, expected) => {
    const result = closeWeek(key, [s], [g], visits);
    expect(result.periodKey).toBe(key);
    expect(result.owed).toBe(1);
    if (expected === undefined) {
      expect(result.missed).toEqual([]);
      expect(result.satisfied).toBe(1);
    } else {
      expect(result.missed).toEqual([
        expect.objectContaining({
          subjectId: 1,
          cadreId: "c1",
          periodKey: key,
          required: 1,
          done: 0,
          ...expected,
        }),
      ]);
    }
  });

  it("needs visits from two periods before the closed one", () => {
    expect(closeOutVisitWindowStart(periodFromKey("2026-W46")).toISOString()).toBe(
      "2026-10-25T16:00:00.000Z",
    );
  });
});

describe("closeOutPeriod — who missed", () => {
  const s = subject(1, "mental_disorder", "risk3");
  const both = [guarantee(1, "a"), guarantee(1, "b")];

  it("under each, only the guarantor who did not visit", () => {
    const result = closeWeek(
      "2026-W47",
      [s],
      both,
      [visit(1, "a", "2026-11-18 10:00")],
      [policy("mental_disorder", "week", { rule: "each" })],
    );
    expect(result).toMatchObject({ owed: 2, satisfied: 1 });
    expect(result.missed.map((m) => m.cadreId)).toEqual(["b"]);
  });

  it("under any, every guarantor at the period's end shares the miss", () => {
    const result = closeWeek("2026-W47", [s], both, []);
    expect(result.missed.map((m) => m.cadreId)).toEqual(["a", "b"]);
    expect(result.owed).toBe(1);
  });

  it("a subject without a guarantor is still reported, with no cadre", () => {
    expect(closeWeek("2026-W47", [s], [], []).missed).toEqual([expect.objectContaining({ cadreId: null })]);
  });

  it("a late entry dated in the period clears the miss", () => {
    // Entered on Tuesday of W48, dated Sunday 23:30 of W47.
    const late = visit(1, "a", "2026-11-22 23:30");
    expect(closeWeek("2026-W47", [s], both, [late]).missed).toEqual([]);
    // Monday 00:00 belongs to W48 and does not.
    expect(closeWeek("2026-W47", [s], both, [visit(1, "a", "2026-11-23 00:00")]).missed).toHaveLength(2);
  });

  it("a paused subject owes nothing, and a pause breaks the streak", () => {
    const paused = subject(1, "mental_disorder", "risk3", {
      pausedFrom: "2026-11-18",
      pausedUntil: "2026-11-19",
    });
    expect(closeWeek("2026-W47", [paused], both, [])).toMatchObject({ owed: 0, missed: [] });
    const pausedW46 = subject(1, "mental_disorder", "risk3", {
      pausedFrom: "2026-11-10",
      pausedUntil: "2026-11-11",
    });
    expect(closeWeek("2026-W48", [pausedW46], [guarantee(1, "a")], []).missed[0]?.consecutiveMisses).toBe(2);
  });

  it("a guarantor who joined mid-period under each is not charged for it", () => {
    const joined = [guarantee(1, "a"), guarantee(1, "b", { startDate: "2026-11-19" })];
    const result = closeWeek(
      "2026-W47",
      [s],
      joined,
      [],
      [policy("mental_disorder", "week", { rule: "each" })],
    );
    expect(result.missed.map((m) => m.cadreId)).toEqual(["a"]);
  });

  it("only checks policies of the closed period's unit", () => {
    const monthly = subject(2, "drug_rehab", "high");
    const result = closeOutPeriod({
      period: periodFromKey("2026-W47"),
      subjects: [monthly],
      guarantees: [guarantee(2, "a")],
      visits: [],
      policies: DEFAULT_CADENCE_POLICIES,
      regionAncestors,
    });
    expect(result).toMatchObject({ owed: 0, missed: [] });
    const month = closeOutPeriod({
      period: periodFromKey("2026-10"),
      subjects: [monthly],
      guarantees: [guarantee(2, "a")],
      visits: [visit(2, "a", "2026-09-10 10:00")],
      policies: DEFAULT_CADENCE_POLICIES,
      regionAncestors,
    });
    expect(month.missed).toEqual([expect.objectContaining({ periodKey: "2026-10", consecutiveMisses: 1 })]);
  });
});

describe("closeOutIntervals — every-N-days cadences", () => {
  const s = subject(1, "mental_disorder", "risk2");
  const g = guarantee(1, "c1");
  const visits = [visit(1, "c1", "2026-11-10 10:00")];
  const close = (date: string, vs: VisitRecord[] = visits) =>
    closeOutIntervals({
      date,
      subjects: [s],
      guarantees: [g],
      visits: vs,
      policies: DEFAULT_CADENCE_POLICIES,
      regionAncestors,
    });

  it.each([
    ["2026-11-23", 0],
    ["2026-11-24", 1], // the due date passed without a visit
    ["2026-11-25", 0],
    ["2026-12-08", 2],
    ["2026-12-22", 3],
  ])("closing %s → %i consecutive misses", (date, misses) => {
    const result = close(date);
    if (misses === 0) expect(result.missed).toEqual([]);
    else
      expect(result.missed).toEqual([expect.objectContaining({ cadreId: "c1", consecutiveMisses: misses })]);
  });

  it("a visit on the due date clears it; a visit after the day closed does not count for it", () => {
    expect(close("2026-11-24", [...visits, visit(1, "c1", "2026-11-24 18:00")]).missed).toEqual([]);
    expect(close("2026-11-24", [...visits, visit(1, "c1", "2026-11-25 08:00")]).missed).toHaveLength(1);
  });
});
