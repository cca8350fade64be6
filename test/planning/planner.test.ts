import { dbDateFromLocalDate } from "../../src/domain/local-date";
import { CALENDAR_SETTING_KEY } from "../../src/planning/calendar-settings";
import { createPlanner, type DailyPlan } from "../../src/planning/planner";
import { createTownship, sh, TZ, type Township } from "./township-fixture";

let t: Township;
beforeAll(async () => {
  t = await createTownship();
});
afterAll(() => t.close());

// Slices of 2 people: every test also exercises merging the slices' lists.
const planner = () => {
  const p = createPlanner({ repos: t.store, tz: TZ, sliceSpan: 2 });
  return {
    ...p,
    planForDate: (r: Parameters<typeof p.planForDate>[0]) => p.planForDate(r, { detail: true }),
  };
};
const stateOf = (plan: DailyPlan, subjectId: number) => plan.details?.find((s) => s.subjectId === subjectId);
const itemsOf = (plan: DailyPlan, cadreId: number) =>
  plan.lists.find((l) => l.cadre.id === cadreId)?.items ?? [];

describe("periods through the store", () => {
  it("decides ISO weeks at Sunday 23:59 / Monday 00:00 Shanghai time", async () => {
    const sunday = await t.subject({
      name: "周日访",
      category: "mental_disorder",
      level: "risk3",
      guarantors: [t.cadres.wangli],
    });
    const monday = await t.subject({
      name: "周一访",
      category: "mental_disorder",
      level: "risk3",
      guarantors: [t.cadres.wangli],
    });
    const never = await t.subject({
      name: "未访",
      category: "mental_disorder",
      level: "risk3",
      guarantors: [t.cadres.wangli],
    });
    await t.visit(sunday, t.cadres.wangli, "2026-11-29 23:59");
    await t.visit(monday, t.cadres.wangli, "2026-11-30 00:00");
    const plan = await planner().planForDate({ now: sh("2026-11-30 08:30") });
    expect(plan.date).toBe("2026-11-30");
    expect(stateOf(plan, sunday)).toMatchObject({ state: "due", done: 0, window: { key: "2026-W49" } });
    expect(stateOf(plan, monday)).toMatchObject({ state: "done", done: 1 });
    // Nothing in W48 either (due by Friday 27 November): overdue by 3 days on Monday.
    expect(stateOf(plan, never)).toMatchObject({ state: "overdue", overdueDays: 3 });
  });

  it("decides months at the last minute of the month, and any method counts for `any` policies", async () => {
    const october = await t.subject({
      name: "十月访",
      category: "drug_rehab",
      level: "high",
      guarantors: [t.cadres.lisi],
    });
    const november = await t.subject({
      name: "十一月访",
      category: "drug_rehab",
      level: "high",
      guarantors: [t.cadres.lisi],
    });
    await t.visit(october, t.cadres.lisi, "2026-10-31 23:59", { method: "phone" });
    await t.visit(november, t.cadres.lisi, "2026-11-01 00:00", { method: "video" });
    const plan = await planner().planForDate({ now: sh("2026-11-02 08:30") });
    expect(stateOf(plan, october)).toMatchObject({
      state: "due",
      window: { key: "2026-11" },
      dueBy: "2026-11-30",
    });
    expect(stateOf(plan, november)).toMatchObject({ state: "done" });
  });

  it("closes quarters on 30 September and counts calendar days across the National Day holiday", async () => {
    const visited = await t.subject({
      name: "季度已访",
      category: "community_correction",
      level: "lenient",
      guarantors: [t.cadres.zhaomin],
      village: "v2",
    });
    const missed = await t.subject({
      name: "季度未访",
      category: "community_correction",
      level: "lenient",
      guarantors: [t.cadres.zhaomin],
      village: "v2",
    });
    await t.visit(visited, t.cadres.zhaomin, "2026-09-30 23:00");
    const plan = await planner().planForDate({ now: sh("2026-10-09 08:30") });
    expect(stateOf(plan, visited)).toMatchObject({
      state: "due",
      window: { key: "2026-Q4" },
      dueBy: "2026-12-31",
    });
    // Q3's quota was due by Wednesday 30 September; 1–8 October are days off: 9 October is the
    // ninth calendar day since.
    expect(stateOf(plan, missed)).toMatchObject({ state: "overdue", overdueDays: 9 });
    expect(itemsOf(plan, t.cadres.zhaomin.id).map((i) => i.name)).toEqual(["季度未访", "季度已访"]);
  });

  it("reads the holiday calendar: 1 October is not a working day, the Saturday make-up day 10 October is", async () => {
    expect((await planner().planForDate({ now: sh("2026-10-01 08:30") })).workday).toBe(false);
    expect((await planner().planForDate({ now: sh("2026-10-10 08:30") })).workday).toBe(true);
    expect((await planner().planForDate({ now: sh("2026-10-11 08:30") })).workday).toBe(false);
  });

  it("computes another day's plan as of that day's 08:30", async () => {
    const plan = await planner().planForDate({ now: sh("2026-11-24 20:00"), date: "2026-11-02" });
    expect(plan.date).toBe("2026-11-02");
    expect(plan.at).toEqual(sh("2026-11-02 08:30"));
  });
});

describe("pauses", () => {
  it("exempts a week a pause touched, also after the person is resumed mid-period", async () => {
    const id = await t.subject({
      name: "住院者",
      category: "mental_disorder",
      level: "risk4",
      guarantors: [t.cadres.lisi],
    });
    await t.store.subjects.pause(id, { reason: "住院", from: dbDateFromLocalDate("2026-11-18") });
    expect(stateOf(await planner().planForDate({ now: sh("2026-11-19 09:00") }), id)?.state).toBe("paused");
    await t.store.subjects.resume(id, { on: dbDateFromLocalDate("2026-11-20") });
    // Resumed on Friday: W47 stays exempt (the pause touched it), so W48 is due, not overdue.
    const friday = await planner().planForDate({ now: sh("2026-11-20 09:00") });
    expect(stateOf(friday, id)?.state).toBe("paused");
    const tuesday = await planner().planForDate({ now: sh("2026-11-24 09:00") });
    expect(stateOf(tuesday, id)).toMatchObject({ state: "due", window: { key: "2026-W48" } });
  });

  it("honours a pause with an end date while the subject is still marked paused", async () => {
    const id = await t.subject({
      name: "外出者",
      category: "drug_rehab",
      level: "medium",
      guarantors: [t.cadres.lisi],
    });
    await t.store.subjects.pause(id, {
      reason: "外出务工",
      from: dbDateFromLocalDate("2026-09-10"),
      until: dbDateFromLocalDate("2026-10-05"),
    });
    expect(stateOf(await planner().planForDate({ now: sh("2026-09-20 09:00") }), id)?.state).toBe("paused");
    expect(stateOf(await planner().planForDate({ now: sh("2026-10-12 09:00") }), id)?.state).toBe("paused");
    expect(stateOf(await planner().planForDate({ now: sh("2026-11-02 09:00") }), id)?.state).toBe("due");
  });
});

describe("guarantor rules and policies from the table", () => {
  it("under `any` one guarantor's visit clears everyone's list; under `each` only the visitor's", async () => {
    const id = await t.subject({
      name: "独居高龄",
      category: "elderly_alone",
      level: "high",
      village: "v2",
      guarantors: [t.cadres.zhaomin, t.cadres.secretary2],
    });
    // Both visited in W47; only 赵敏 so far in W48.
    await t.visit(id, t.cadres.zhaomin, "2026-11-17 10:00");
    await t.visit(id, t.cadres.secretary2, "2026-11-18 10:00");
    await t.visit(id, t.cadres.zhaomin, "2026-11-23 10:00", { method: "phone" });
    const any = await planner().planForDate({ now: sh("2026-11-24 08:30") });
    expect(stateOf(any, id)?.state).toBe("done");
    expect(itemsOf(any, t.cadres.secretary2.id).some((i) => i.subjectId === id)).toBe(false);

    await t.store.policies.upsert(
      {
        regionCode: "429901100202",
        category: "elderly_alone",
        level: "high",
        method: "any",
        period: "week",
        minCount: 1,
        rule: "each",
        source: "河口村规定：每位包保人每周探访",
      },
      "test",
      sh("2026-11-24 08:00"),
    );
    const each = await planner().planForDate({ now: sh("2026-11-24 08:30") });
    expect(stateOf(each, id)?.policy?.rule).toBe("each");
    expect(itemsOf(each, t.cadres.zhaomin.id).some((i) => i.subjectId === id)).toBe(false);
    expect(itemsOf(each, t.cadres.secretary2.id)).toContainEqual(
      expect.objectContaining({ subjectId: id, state: "due" }),
    );
  });

  it("counts a late entry for the period it happened in", async () => {
    const id = await t.subject({
      name: "补录者",
      category: "mental_disorder",
      level: "risk5",
      guarantors: [t.cadres.wangli],
    });
    const before = await planner().planForDate({ now: sh("2026-11-23 08:30") });
    expect(stateOf(before, id)).toMatchObject({ state: "overdue", overdueDays: 3 });
    // Visited on Sunday, entered on Monday morning (`昨天 1 正常`).
    await t.visit(id, t.cadres.wangli, "2026-11-22 12:00", { createdAt: "2026-11-23 09:00" });
    const after = await planner().planForDate({ now: sh("2026-11-23 10:00") });
    expect(stateOf(after, id)).toMatchObject({ state: "due", done: 0, window: { key: "2026-W48" } });
  });
});

describe("calendar settings", () => {
  afterEach(() => t.store.settings.set(CALENDAR_SETTING_KEY, { overrides: [], scheduledYears: [] }));

  it("applies operator overrides and warns when a year's schedule is missing", async () => {
    await t.store.settings.set(CALENDAR_SETTING_KEY, {
      overrides: [{ date: "2026-11-24", workday: false, note: "防汛停工" }],
    });
    const plan = await planner().planForDate({ now: sh("2026-11-24 08:30") });
    expect(plan.workday).toBe(false);
    expect(plan.day).toMatchObject({ source: "override", name: "防汛停工" });

    const december = await planner().planForDate({ now: sh("2026-12-29 08:30") });
    expect(december.warnings).toContainEqual(
      expect.objectContaining({ code: "calendar.schedule_missing", year: 2027 }),
    );
    await t.store.settings.set(CALENDAR_SETTING_KEY, { overrides: [], scheduledYears: [2027] });
    const entered = await planner().planForDate({ now: sh("2026-12-29 08:30") });
    expect(entered.warnings.some((w) => w.code === "calendar.schedule_missing")).toBe(false);
  });

  it("refuses a malformed setting with an operator message", async () => {
    await t.store.settings.set(CALENDAR_SETTING_KEY, { overrides: [{ date: "2026-13-01", workday: false }] });
    await expect(planner().planForDate({ now: sh("2026-11-24 08:30") })).rejects.toThrow(
      /calendar.overrides 格式有误/,
    );
  });
});

describe("one cadre's list", () => {
  it("reads only that cadre's people and gives the same numbered items as the full plan", async () => {
    const now = sh("2026-11-24 10:00");
    const full = await planner().planForDate({ now });
    expect(full.lists.length).toBeGreaterThan(2);
    for (const cadre of Object.values(t.cadres)) {
      const own = await planner().planForCadre(cadre.id, { now });
      expect(own.lists.map((l) => l.items)).toEqual(
        full.lists.filter((l) => l.cadre.id === cadre.id).map((l) => l.items),
      );
      const guaranteed = await t.db.sql<{ n: string }>(
        `SELECT count(DISTINCT "subjectId") AS n FROM "Guarantee" WHERE "cadreId" = $1`,
        [cadre.id],
      );
      expect(own.subjects.length).toBe(Number(guaranteed[0]?.n));
    }
  });
});

describe("slices", () => {
  it("gives the same lists, states and summary whether computed whole or one person at a time", async () => {
    const now = sh("2026-11-24 10:00");
    const whole = await createPlanner({ repos: t.store, tz: TZ }).planForDate({ now });
    const sliced = await createPlanner({ repos: t.store, tz: TZ, sliceSpan: 1 }).planForDate({ now });
    expect(whole.subjects.length).toBeGreaterThan(10);
    expect(sliced.lists).toEqual(whole.lists);
    expect(sliced.states).toEqual(whole.states);
    expect(sliced.summary).toEqual(whole.summary);
    expect(sliced.warnings).toEqual(whole.warnings);
    expect(whole.lists.some((l) => l.items.length > 2)).toBe(true);
  });

  it("computes a slice per visit group of the store (subject ids 100,000 apart) with the same result", async () => {
    // Two people with far-apart ids, guaranteed by 王丽 like the rest: three slices, each with
    // its own visit group.
    for (const id of [150_001, 250_001]) {
      await t.db.sql(
        `INSERT INTO "Subject" ("id", "name", "regionId", "category", "level", "updatedAt")
         VALUES ($1, $2, $3, 'mental_disorder', 'risk3', now())`,
        [id, `远号${id}`, t.regions.v1],
      );
      await t.db.sql(
        `INSERT INTO "Guarantee" ("subjectId", "cadreId", "startDate") VALUES ($1, $2, '2026-01-01')`,
        [id, t.cadres.wangli.id],
      );
    }
    await t.visit(150_001, t.cadres.wangli, "2026-11-19 10:00");
    const now = sh("2026-11-24 10:00");
    const grouped = await createPlanner({ repos: t.store, tz: TZ }).planForDate({ now });
    const single = await createPlanner({ repos: t.store, tz: TZ, sliceSpan: 1e9 }).planForDate({ now });
    expect(grouped.lists).toEqual(single.lists);
    expect(grouped.states).toEqual(single.states);
    const wangli = grouped.lists.find((l) => l.cadre.id === t.cadres.wangli.id)?.items ?? [];
    expect(wangli.find((i) => i.subjectId === 150_001)).toMatchObject({ state: "due" });
    expect(wangli.find((i) => i.subjectId === 250_001)).toMatchObject({ state: "overdue" });
  });
});
