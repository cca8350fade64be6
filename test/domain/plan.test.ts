import { DEFAULT_CADENCE_POLICIES } from "../../src/domain/cadence-defaults";
import { createCalendar } from "../../src/domain/calendar";
import { computePlan, type PlanInput, planVisitWindowStart } from "../../src/domain/plan";
import { packVisits } from "../../src/domain/plan-inputs";
import type { CadencePolicy } from "../../src/domain/policy";
import type { GuaranteeRecord, SubjectRecord, VisitRecord } from "../../src/domain/records";
import { calendar, guarantee, policy, regionAncestors, sh, subject, visit } from "./fixtures";

function plan(
  now: string,
  subjects: SubjectRecord[],
  guarantees: GuaranteeRecord[],
  visits: VisitRecord[],
  policies: readonly CadencePolicy[] = DEFAULT_CADENCE_POLICIES,
  extra: Partial<PlanInput> = {},
) {
  return computePlan({
    now: sh(now),
    calendar,
    subjects,
    guarantees,
    visits,
    policies,
    regionAncestors,
    ...extra,
  });
}

const weekly = [policy("mental_disorder", "week")];
const twiceWeekly = [policy("mental_disorder", "week", { minCount: 2 })];

describe("weekly cadence — due, done, overdue", () => {
  const s = subject(1, "mental_disorder", "risk3", { name: "张三" });
  const g = guarantee(1, "c1");

  it("is overdue by 4 days on Tuesday when last week (due by Friday) was missed (the card example)", () => {
    const result = plan("2026-11-24 07:30", [s], [g], []);
    expect(result.subjects[0]).toMatchObject({
      state: "overdue",
      overdueDays: 4,
      window: { unit: "week", key: "2026-W48", startDate: "2026-11-23", endDate: "2026-11-29" },
      dueBy: "2026-11-27",
    });
    expect(result.byCadre.get("c1")).toEqual([
      expect.objectContaining({
        number: 1,
        subjectId: 1,
        name: "张三",
        state: "overdue",
        overdueDays: 4,
      }),
    ]);
    expect(result.today).toBe("2026-11-24");
    expect(result.workday).toBe(true);
  });

  it("is due (not overdue) when last week had a visit, and done after this week's visit", () => {
    const lastWeek = visit(1, "c1", "2026-11-18 10:00");
    expect(plan("2026-11-24 07:30", [s], [g], [lastWeek]).subjects[0]).toMatchObject({
      state: "due",
      overdueDays: 0,
      dueBy: "2026-11-27",
    });
    const done = plan("2026-11-24 18:00", [s], [g], [lastWeek, visit(1, "c1", "2026-11-24 15:00")]);
    expect(done.subjects[0]).toMatchObject({ state: "done", done: 1, required: 1 });
    expect(done.byCadre.size).toBe(0);
  });

  it("uses Sunday 23:59 vs Monday 00:00 in Shanghai to decide the week", () => {
    const sundayLate = visit(1, "c1", "2026-11-29 23:59");
    const mondayMidnight = visit(1, "c1", "2026-11-30 00:00");
    expect(plan("2026-11-30 08:00", [s], [g], [sundayLate]).subjects[0]).toMatchObject({
      state: "due",
      done: 0,
      window: { key: "2026-W49" },
    });
    expect(plan("2026-11-30 08:00", [s], [g], [mondayMidnight]).subjects[0]).toMatchObject({ state: "done" });
    // Without the Sunday visit, W48 (due by Friday) was missed: Monday reads overdue by 3 days.
    expect(plan("2026-11-30 08:00", [s], [g], []).subjects[0]).toMatchObject({
      state: "overdue",
      overdueDays: 3,
    });
  });

  it("turns overdue once no working day is left for the visit, counting calendar days", () => {
    const lastWeek = visit(1, "c1", "2026-11-18 10:00");
    const at = (now: string) => plan(now, [s], [g], [lastWeek], weekly).subjects[0];
    expect(at("2026-11-27 09:00")).toMatchObject({ state: "due", dueBy: "2026-11-27" }); // Friday
    expect(at("2026-11-28 09:00")).toMatchObject({ state: "overdue", overdueDays: 1 }); // Saturday
    expect(plan("2026-12-01 09:00", [s], [g], [lastWeek], weekly).subjects[0]).toMatchObject({
      state: "overdue",
      overdueDays: 4, // Saturday to Tuesday after Friday's due-by point
    });
  });

  it("needs the last N working days for minCount N", () => {
    const at = (now: string, visits: VisitRecord[]) =>
      plan(
        now,
        [s],
        [g],
        [visit(1, "c1", "2026-11-17 10:00"), visit(1, "c1", "2026-11-18 10:00"), ...visits],
        twiceWeekly,
      ).subjects[0];
    expect(at("2026-11-26 09:00", [])).toMatchObject({
      state: "due",
      dueBy: "2026-11-26",
      required: 2,
      done: 0,
    });
    expect(at("2026-11-27 09:00", [])).toMatchObject({ state: "overdue", overdueDays: 1 });
    expect(at("2026-11-27 09:00", [visit(1, "c1", "2026-11-26 16:00")])).toMatchObject({
      state: "due",
      dueBy: "2026-11-27",
      done: 1,
    });
  });
});

describe("qualifying visits", () => {
  const s = subject(1, "mental_disorder", "risk3");
  const g = guarantee(1, "c1");
  const lastWeek = visit(1, "c1", "2026-11-18 10:00");

  it.each([
    ["a phone call for an in-person policy", { method: "phone" }, "due"],
    ["a video call for an in-person policy", { method: "video" }, "due"],
    ["an in-person visit where the person was not met", { outcome: "not_met" }, "due"],
    ["a withdrawn visit", { status: "withdrawn" }, "due"],
    ["a superseded visit", { status: "superseded" }, "due"],
    ["an abnormal in-person visit", { outcome: "abnormal" }, "done"],
    ["a visit by someone who is not the guarantor (rule any)", { cadreId: "leader" }, "done"],
  ] as const)("%s → %s", (_label, extra, expected) => {
    const result = plan(
      "2026-11-24 18:00",
      [s],
      [g],
      [lastWeek, visit(1, "c1", "2026-11-24 10:00", extra)],
      weekly,
    );
    expect(result.subjects[0]?.state).toBe(expected);
  });

  it("accepts phone and video for phone policies", () => {
    const phonePolicy = [policy("elderly_alone", "week", { method: "phone" })];
    const old = subject(2, "elderly_alone", "high");
    for (const method of ["phone", "video", "in_person"] as const) {
      const result = plan(
        "2026-11-24 18:00",
        [old],
        [guarantee(2, "c1")],
        [visit(2, "c1", "2026-11-24 10:00", { method })],
        phonePolicy,
      );
      expect(result.subjects[0]?.state).toBe("done");
    }
  });

  it("ignores visits dated after now", () => {
    const result = plan("2026-11-24 09:00", [s], [g], [lastWeek, visit(1, "c1", "2026-11-24 15:00")], weekly);
    expect(result.subjects[0]?.state).toBe("due");
  });

  it("accepts visits already grouped by subject", () => {
    const grouped = new Map([[1, [lastWeek, visit(1, "c1", "2026-11-24 08:00")]]]);
    const result = plan("2026-11-24 09:00", [s], [g], [], weekly, { visits: grouped });
    expect(result.subjects[0]?.state).toBe("done");
  });
});

describe("late entries", () => {
  it("count for the period of the visit's date, not the day they were entered", () => {
    const s = subject(1, "mental_disorder", "risk3");
    // Entered on Tuesday for Sunday 22:00 of the previous week: W47 is satisfied, so not overdue.
    const sundayVisit = visit(1, "c1", "2026-11-22 22:00");
    const result = plan("2026-11-24 10:00", [s], [guarantee(1, "c1")], [sundayVisit], weekly);
    expect(result.subjects[0]).toMatchObject({ state: "due", overdueDays: 0, done: 0 });
  });
});

describe("the 2026 National Day holiday week", () => {
  const s = subject(1, "mental_disorder", "risk3");
  const g = guarantee(1, "c1");
  const w39 = visit(1, "c1", "2026-09-22 10:00");

  it("is due on the last working day before the holiday, overdue during it", () => {
    const wednesday = plan("2026-09-30 09:00", [s], [g], [w39], weekly);
    expect(wednesday.subjects[0]).toMatchObject({
      state: "due",
      dueBy: "2026-09-30",
      window: { key: "2026-W40" },
    });
    const holiday = plan("2026-10-01 09:00", [s], [g], [w39], weekly);
    expect(holiday.workday).toBe(false);
    expect(holiday.subjects[0]).toMatchObject({ state: "overdue", overdueDays: 1 });
  });

  it("counts overdue calendar days through the holiday, from the day after the due-by day", () => {
    const at = (now: string) => plan(now, [s], [g], [w39], weekly).subjects[0];
    // W40 was due by Wednesday 30 September; 1–8 October are days off.
    expect(at("2026-10-07 09:00")).toMatchObject({
      state: "overdue",
      overdueDays: 7,
      window: { key: "2026-W41" },
    });
    expect(at("2026-10-08 09:00")).toMatchObject({ state: "overdue", overdueDays: 8 });
    expect(at("2026-10-10 09:00")).toMatchObject({ state: "overdue", overdueDays: 10 }); // Saturday make-up day
  });

  it("makes the Saturday 2026-10-10 make-up day the week's due-by point", () => {
    const w40 = visit(1, "c1", "2026-09-29 10:00");
    const result = plan("2026-10-09 09:00", [s], [g], [w40], weekly);
    expect(result.subjects[0]).toMatchObject({ state: "due", dueBy: "2026-10-10" });
    expect(plan("2026-10-10 09:00", [s], [g], [w40], weekly).workday).toBe(true);
  });
});

describe("paused people owe nothing", () => {
  const g = guarantee(1, "c1");
  const monthly = [policy("drug_rehab", "month")];

  it("a pause touching the period removes that period's obligation", () => {
    // In hospital 11-10..11-18, back since: no obligation for November at all.
    const s = subject(1, "drug_rehab", "high", { pausedFrom: "2026-11-10", pausedUntil: "2026-11-18" });
    const november = plan("2026-11-24 09:00", [s], [g], [], monthly);
    expect(november.subjects[0]).toMatchObject({ state: "paused", window: { key: "2026-11" } });
    expect(november.byCadre.size).toBe(0);
    // December is owed again, and November's miss does not make it overdue.
    expect(plan("2026-12-02 09:00", [s], [g], [], monthly).subjects[0]).toMatchObject({
      state: "due",
      overdueDays: 0,
    });
  });

  it("a currently paused subject is paused, and a weekly subject paused last week is only due", () => {
    const now = subject(1, "mental_disorder", "risk3", { status: "paused", pausedFrom: "2026-11-20" });
    expect(plan("2026-11-24 09:00", [now], [g], [], weekly).subjects[0]?.state).toBe("paused");
    const lastWeek = subject(1, "mental_disorder", "risk3", {
      pausedFrom: "2026-11-16",
      pausedUntil: "2026-11-20",
    });
    expect(plan("2026-11-24 09:00", [lastWeek], [g], [], weekly).subjects[0]).toMatchObject({ state: "due" });
  });

  it("a scheduled pause later in the period already removes the period", () => {
    const s = subject(1, "drug_rehab", "high", { pausedFrom: "2026-11-28" });
    expect(plan("2026-11-24 09:00", [s], [g], [], monthly).subjects[0]?.state).toBe("paused");
  });

  it("closed subjects are reported as closed and never listed", () => {
    const s = subject(1, "drug_rehab", "high", { status: "closed" });
    const result = plan("2026-11-24 09:00", [s], [g], [], monthly);
    expect(result.subjects[0]?.state).toBe("closed");
    expect(result.summary.closed).toBe(1);
    expect(result.byCadre.size).toBe(0);
  });
});

describe("new subjects and guarantors mid-period", () => {
  it("a subject registered mid-week is due that week but never overdue for it", () => {
    const s = subject(1, "mental_disorder", "risk3", { managedFrom: "2026-11-25" });
    const g = guarantee(1, "c1");
    expect(plan("2026-11-28 09:00", [s], [g], [], weekly).subjects[0]).toMatchObject({
      state: "due",
      dueBy: "2026-11-29",
    });
    // The partial week is not carried over as a miss.
    expect(plan("2026-12-01 09:00", [s], [g], [], weekly).subjects[0]).toMatchObject({
      state: "due",
      overdueDays: 0,
    });
  });
});

describe("any vs each guarantor", () => {
  const s = subject(1, "mental_disorder", "risk3");
  const guarantees = [guarantee(1, "a"), guarantee(1, "b")];
  const anyRule = [policy("mental_disorder", "week", { rule: "any" })];
  const eachRule = [policy("mental_disorder", "week", { rule: "each" })];
  const lastWeekBoth = [visit(1, "a", "2026-11-17 10:00"), visit(1, "b", "2026-11-17 11:00")];

  it("under any, one guarantor's visit satisfies the subject for everyone", () => {
    const result = plan(
      "2026-11-24 18:00",
      [s],
      guarantees,
      [...lastWeekBoth, visit(1, "a", "2026-11-24 10:00")],
      anyRule,
    );
    expect(result.subjects[0]).toMatchObject({ state: "done", cadreIds: ["a", "b"], guarantors: [] });
    expect(result.byCadre.size).toBe(0);
  });

  it("under any, an outstanding subject is on every guarantor's card", () => {
    const result = plan("2026-11-24 09:00", [s], guarantees, lastWeekBoth, anyRule);
    expect(result.byCadre.get("a")?.map((i) => i.subjectId)).toEqual([1]);
    expect(result.byCadre.get("b")?.map((i) => i.subjectId)).toEqual([1]);
  });

  it("under each, every guarantor must visit themselves", () => {
    const result = plan(
      "2026-11-24 18:00",
      [s],
      guarantees,
      [...lastWeekBoth, visit(1, "a", "2026-11-24 10:00")],
      eachRule,
    );
    expect(result.subjects[0]).toMatchObject({ state: "due", done: 0 });
    expect(result.subjects[0]?.guarantors).toEqual([
      expect.objectContaining({ cadreId: "a", state: "done", done: 1 }),
      expect.objectContaining({ cadreId: "b", state: "due", done: 0 }),
    ]);
    expect(result.byCadre.has("a")).toBe(false);
    expect(result.byCadre.get("b")).toEqual([
      expect.objectContaining({ subjectId: 1, state: "due", done: 0 }),
    ]);
  });

  it("under each, only the guarantor who missed last week is overdue", () => {
    const result = plan("2026-11-24 09:00", [s], guarantees, [visit(1, "a", "2026-11-17 10:00")], eachRule);
    expect(result.byCadre.get("a")?.[0]).toMatchObject({ state: "due", overdueDays: 0 });
    expect(result.byCadre.get("b")?.[0]).toMatchObject({ state: "overdue", overdueDays: 4 });
    expect(result.subjects[0]).toMatchObject({ state: "overdue", overdueDays: 4 });
  });

  it("under each, a guarantor who started this week owes it as best effort and nothing for last week", () => {
    const late = [guarantee(1, "a"), guarantee(1, "b", { startDate: "2026-11-24" })];
    const result = plan("2026-11-24 09:00", [s], late, [visit(1, "a", "2026-11-17 10:00")], eachRule);
    expect(result.byCadre.get("b")?.[0]).toMatchObject({ state: "due", dueBy: "2026-11-29" });
  });

  it("guarantees that ended are not on the card", () => {
    const ended = [guarantee(1, "a"), guarantee(1, "b", { endDate: "2026-11-20" })];
    const result = plan("2026-11-24 09:00", [s], ended, [], anyRule);
    expect(result.subjects[0]?.cadreIds).toEqual(["a"]);
    expect(result.byCadre.has("b")).toBe(false);
  });
});

describe("every-N-days cadence (mental_disorder risk 1–2: every 14 days, in person)", () => {
  const s = subject(1, "mental_disorder", "risk2");
  const g = guarantee(1, "c1");
  const last = visit(1, "c1", "2026-11-10 10:00");
  const at = (now: string, sub: SubjectRecord = s, visits: VisitRecord[] = [last]) =>
    plan(now, [sub], [g], visits).subjects[0];

  it("is done early in the interval, due in its second half, overdue after the due date", () => {
    expect(at("2026-11-12 09:00")).toMatchObject({
      state: "done",
      dueBy: "2026-11-24",
      window: { unit: "days", key: "2026-11-10+14d", startDate: "2026-11-11", endDate: "2026-11-24" },
    });
    expect(at("2026-11-17 09:00")).toMatchObject({ state: "due", dueBy: "2026-11-24" });
    expect(at("2026-11-24 09:00")).toMatchObject({ state: "due" });
    expect(at("2026-11-25 09:00")).toMatchObject({ state: "overdue", overdueDays: 1 });
    expect(at("2026-11-30 09:00")).toMatchObject({ state: "overdue", overdueDays: 6 });
  });

  it("starts a new interval after a pause ends and from registration", () => {
    const resumed = subject(1, "mental_disorder", "risk2", {
      pausedFrom: "2026-11-12",
      pausedUntil: "2026-11-20",
    });
    expect(at("2026-11-25 09:00", resumed)).toMatchObject({ state: "done", dueBy: "2026-12-05" });
    expect(at("2026-11-15 09:00", resumed)?.state).toBe("paused");
    const fresh = subject(1, "mental_disorder", "risk2", { managedFrom: "2026-11-20" });
    expect(at("2026-11-28 09:00", fresh, [])).toMatchObject({ state: "due", dueBy: "2026-12-04" });
  });

  it("does not count a phone call (the policy wants in person)", () => {
    expect(
      at("2026-11-25 09:00", s, [last, visit(1, "c1", "2026-11-24 10:00", { method: "phone" })])?.state,
    ).toBe("overdue");
    expect(at("2026-11-25 09:00", s, [last, visit(1, "c1", "2026-11-24 10:00")])).toMatchObject({
      state: "done",
      dueBy: "2026-12-08",
    });
  });
});

describe("daily list order and numbering", () => {
  it("orders by overdue days, then severity, then period end, then name", () => {
    const subjects = [
      subject("A", "elderly_alone", "high", { name: "艾老汉" }), // overdue 2, severity 4
      subject("B", "mental_disorder", "risk5", { name: "包大" }), // overdue 2, severity 5
      subject("D", "community_correction", "strict", { name: "丁某" }), // due, severity 4, ends 11-29
      subject("E", "drug_rehab", "high", { name: "张三" }), // due, severity 4, ends 11-30
      subject("F", "drug_rehab", "high", { name: "阿强" }), // due, severity 4, ends 11-30, name sorts first
      subject("G", "idle_youth", "key", { name: "葛某" }), // done
    ];
    const guarantees = subjects.map((s) => guarantee(s.id, "c1"));
    const visits = [
      visit("D", "c1", "2026-11-20 10:00"),
      visit("E", "c1", "2026-10-20 10:00"),
      visit("F", "c1", "2026-10-21 10:00"),
      visit("G", "c1", "2026-11-02 10:00"),
    ];
    const list = plan("2026-11-24 08:00", subjects, guarantees, visits).byCadre.get("c1") ?? [];
    expect(list.map((i) => [i.number, i.subjectId])).toEqual([
      [1, "B"],
      [2, "A"],
      [3, "D"],
      [4, "F"],
      [5, "E"],
    ]);
    expect(list[0]).toMatchObject({
      category: "mental_disorder",
      level: "risk5",
      severity: 5,
      required: 1,
      done: 0,
    });
  });

  it("keeps each guarantor's numbering independent", () => {
    const subjects = [subject(1, "mental_disorder", "risk3"), subject(2, "mental_disorder", "risk3")];
    const result = plan("2026-11-24 08:00", subjects, [guarantee(1, "x"), guarantee(2, "y")], [], weekly);
    expect(result.byCadre.get("x")?.map((i) => i.number)).toEqual([1]);
    expect(result.byCadre.get("y")?.map((i) => i.number)).toEqual([1]);
  });
});

describe("warnings", () => {
  it("reports a missing 2027 schedule when a period runs into 2027 (2026-W53)", () => {
    const s = subject(1, "mental_disorder", "risk3");
    const result = plan("2026-12-29 09:00", [s], [guarantee(1, "c1")], [], weekly);
    expect(result.subjects[0]?.window?.key).toBe("2026-W53");
    expect(result.warnings).toEqual([
      expect.objectContaining({ code: "calendar.schedule_missing", year: 2027 }),
    ]);
    const withSchedule = createCalendar({ scheduledYears: [2027] });
    const quiet = computePlan({
      now: sh("2026-12-29 09:00"),
      calendar: withSchedule,
      subjects: [s],
      guarantees: [guarantee(1, "c1")],
      visits: [],
      policies: weekly,
      regionAncestors,
    });
    expect(quiet.warnings).toEqual([]);
  });

  it("reports subjects without a policy and without a guarantor", () => {
    const result = plan(
      "2026-11-24 09:00",
      [subject(1, "mental_disorder", "risk9"), subject(2, "mental_disorder", "risk3")],
      [],
      [],
      [policy("mental_disorder", "week", { level: "risk3" })],
    );
    expect(result.subjects.map((s) => s.state)).toEqual(["no_policy", "overdue"]);
    expect(result.warnings.map((w) => w.code)).toEqual(["plan.no_policy", "plan.unassigned"]);
    expect(result.warnings[0]).toMatchObject({ count: 1, subjectIds: [1] });
    expect(result.warnings[1]).toMatchObject({ count: 1, subjectIds: [2] });
  });

  it("refuses a time zone different from the calendar's", () => {
    expect(() => plan("2026-11-24 09:00", [], [], [], weekly, { tz: "UTC" })).toThrow(RangeError);
  });
});

describe("region policies in the plan", () => {
  it("applies a county's stricter row to its villages only", () => {
    const policies = [
      ...DEFAULT_CADENCE_POLICIES,
      policy("drug_rehab", "week", { regionCode: "420102", source: "区县" }),
    ];
    const inCounty = subject(1, "drug_rehab", "low");
    const elsewhere = subject(2, "drug_rehab", "low", { regionCode: "village-x" });
    const result = plan("2026-11-24 09:00", [inCounty, elsewhere], [], [], policies);
    expect(result.subjects.map((s) => s.window?.unit)).toEqual(["week", "month"]);
  });
});

describe("planVisitWindowStart", () => {
  it("reaches back to the start of the previous period of the longest cadence", () => {
    expect(planVisitWindowStart(sh("2026-11-24 09:00"), DEFAULT_CADENCE_POLICIES).toISOString()).toBe(
      "2026-06-30T16:00:00.000Z", // 2026-07-01 00:00 Shanghai: start of Q3
    );
    expect(planVisitWindowStart(sh("2026-11-24 09:00"), weekly).toISOString()).toBe(
      "2026-11-15T16:00:00.000Z",
    );
  });
});

describe("visit input shapes", () => {
  const s = subject(1, "mental_disorder", "risk3");
  const visits = [
    visit(1, "c1", "2026-11-17 10:00"),
    visit(1, "c1", "2026-11-24 08:00", { status: "withdrawn" }),
    visit(1, "c1", "2026-11-24 08:30", { outcome: "not_met" }),
  ];

  it("gives the same plan from records, columns and grouped records", () => {
    const fromRecords = plan("2026-11-24 09:00", [s], [guarantee(1, "c1")], visits, weekly);
    const fromColumns = plan("2026-11-24 09:00", [s], [guarantee(1, "c1")], [], weekly, {
      visits: packVisits(visits),
    });
    expect(fromColumns).toEqual(fromRecords);
    expect(fromRecords.subjects[0]).toMatchObject({ state: "due", overdueDays: 0 });
  });

  it("trusts columns without statuses and outcomes to be pre-filtered", () => {
    const columns = {
      length: 2,
      subjectIds: new Int32Array([1, 1]),
      cadreIds: ["c1", "c1"],
      occurredAtMs: new Float64Array([sh("2026-11-17 10:00").getTime(), sh("2026-11-24 08:00").getTime()]),
      methods: ["in_person", "in_person"] as const,
    };
    const result = plan("2026-11-24 09:00", [s], [guarantee(1, "c1")], [], weekly, { visits: columns });
    expect(result.subjects[0]?.state).toBe("done");
  });

  it("handles sparse and string ids", () => {
    const big = subject(10_000_000_000, "mental_disorder", "risk3");
    const named = subject("s-1", "mental_disorder", "risk3");
    const result = plan(
      "2026-11-24 18:00",
      [big, named],
      [guarantee(10_000_000_000, "c1"), guarantee("s-1", "c1")],
      [
        visit(10_000_000_000, "c1", "2026-11-24 10:00"),
        visit("s-1", "c1", "2026-11-17 10:00"),
        visit(99, "c1", "2026-11-24 10:00"),
      ],
      weekly,
    );
    expect(result.subjects.map((x) => x.state)).toEqual(["done", "due"]);
  });
});
