/**
 * Late entries and stored misses, through bot.handle and the close-out job with a fixed clock:
 * close-out records a miss; a visit entered late for that period that brings it up to the
 * policy's minimum marks the miss satisfied (in the visit's transaction); 撤销 / 更正 open it
 * again. Misses that stay open: too few visits, `not_met`, a method the policy does not accept.
 */
import type { JobDeps } from "../../src/jobs/job";
import { runCloseOut } from "../../src/jobs/close-out";
import { runMissedNotice } from "../../src/jobs/missed-notice";
import { jobDepsFor } from "../helpers/job-deps";
import { type BotHarness, createBotHarness } from "../helpers/bot-harness";

const NOW = new Date("2026-11-23T02:00:00Z"); // Monday 23 November, 10:00 in Shanghai
const MIN = 60_000;

let h: BotHarness;
/** A person under the each-guarantor rule, guaranteed by 王丽 and 王德富. */
let strict: number;

/** Shanghai local time → instant. */
const sh = (local: string) => new Date(`${local.replace(" ", "T")}:00+08:00`);

const jobDeps = (at: Date): JobDeps => jobDepsFor(h.store, at);

const closeOut = (local: string) => runCloseOut(jobDeps(sh(local)), sh(local));

async function misses(subject: string | number) {
  const subjectId = typeof subject === "number" ? subject : h.ids[subject]!;
  return h.db.prisma.missedObligation.findMany({
    where: { subjectId },
    orderBy: { id: "asc" },
    select: { scope: true, periodKey: true, satisfiedAt: true, satisfiedByVisitId: true },
  });
}

async function missOf(subject: string | number, periodKey: string, scope = "any") {
  const row = (await misses(subject)).find((m) => m.periodKey === periodKey && m.scope === scope);
  if (!row) throw new Error(`no miss ${periodKey} ${scope}`);
  return row;
}

const lastVisit = () => h.db.prisma.visit.findFirstOrThrow({ orderBy: { id: "desc" } });

/** Moves the clock on past the 10-minute duplicate window. */
function later(minutes = 11) {
  h.clock.now = new Date(h.clock.now.getTime() + minutes * MIN);
}

beforeAll(async () => {
  h = await createBotHarness({ now: NOW });
  // 张三@V2 (elderly, key): twice a month in person, so one late visit is not enough.
  await h.store.policies.upsert(
    {
      regionCode: "*",
      category: "elderly_alone",
      level: "key",
      method: "in_person",
      period: "month",
      minCount: 2,
      rule: "any",
      source: "测试：每月两次上门",
    },
    "test",
    sh("2026-10-01 00:00"),
  );
  // Community correction, strict: every guarantor each week.
  await h.store.policies.upsert(
    {
      regionCode: "*",
      category: "community_correction",
      level: "strict",
      method: "any",
      period: "week",
      minCount: 1,
      rule: "each",
      source: "测试：每位包保人每周",
    },
    "test",
    sh("2026-10-01 00:00"),
  );
  const village = (await h.store.regions.findByCode("V1"))!;
  strict = (
    await h.store.subjects.create({
      name: "严管对象",
      regionId: village.id,
      category: "community_correction",
      level: "strict",
      birthDate: new Date(Date.UTC(1988, 5, 1)),
    })
  ).id;
  h.ids["严管对象@V1"] = strict;
  for (const cadre of ["wangli", "wangdefu"]) {
    await h.db.prisma.guarantee.create({
      data: { subjectId: strict, cadreId: h.ids[cadre]!, startDate: new Date("2026-01-01") },
    });
  }
  // 张三@V1 (mental disorder, risk 2): in person every 14 days; last seen on 1 November.
  await h.db.prisma.visit.create({
    data: {
      subjectId: h.ids["张三@V1"]!,
      cadreId: h.ids.wangli!,
      occurredAt: sh("2026-11-01 10:00"),
      method: "in_person",
      outcome: "normal",
      createdAt: sh("2026-11-01 10:00"),
    },
  });
  // October (monthly policies), the every-N-days day 15 November, and week 47 close.
  for (const run of ["2026-11-01 00:30", "2026-11-16 00:30", "2026-11-23 00:30"]) {
    expect((await closeOut(run)).status).toBe("done");
  }
  // The 09:00 notices of Monday 23 November.
  expect((await runMissedNotice(jobDeps(sh("2026-11-23 09:00")), sh("2026-11-23 09:00"))).status).toBe(
    "done",
  );
  await h.setList("wangli", ["张三@V1", "李四@V1", "王秀英@V1", "张三@V2", "严管对象@V1"]);
});
afterAll(() => h?.close());

beforeEach(() => {
  h.clock.now = NOW;
});

describe("a weekly miss (王秀英: once a week, any method)", () => {
  it("close-out recorded it and notified it", async () => {
    const rows = await h.db.prisma.missedObligation.findMany({
      where: { subjectId: h.ids["王秀英@V1"], periodKey: "2026-W47" },
    });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ scope: "any", satisfiedAt: null, satisfiedByVisitId: null });
    expect(rows[0]?.notifiedAt).not.toBeNull();
  });

  it("`昨天 3 正常` on Monday is a late entry for last week: it satisfies the miss; 撤销 opens it again", async () => {
    const r = await h.say("wangli", "昨天 3 正常");
    expect(r[0]?.text).toContain("已登记：王秀英 上门走访 正常（11月22日）");
    const visit = await lastVisit();
    expect(await missOf("王秀英@V1", "2026-W47")).toEqual({
      scope: "any",
      periodKey: "2026-W47",
      satisfiedAt: NOW,
      satisfiedByVisitId: visit.id,
    });
    // The notice job's query (a later run) no longer returns it.
    const toNotify = await h.store.missedObligations.listPending(sh("2026-11-01 00:00"));
    expect(toNotify.map((m) => m.subjectId)).not.toContain(h.ids["王秀英@V1"]);
    later(1);
    const w = await h.say("wangli", "撤销");
    expect(w[0]?.text).toContain("已撤销：王秀英");
    expect(await missOf("王秀英@V1", "2026-W47")).toMatchObject({
      satisfiedAt: null,
      satisfiedByVisitId: null,
    });
  });

  it("a not-met late entry leaves it open", async () => {
    later(5);
    const r = await h.say("wangli", "11月20日 3 未见");
    expect(r[0]?.text).toContain("已登记：王秀英");
    expect(await missOf("王秀英@V1", "2026-W47")).toMatchObject({ satisfiedAt: null });
  });

  it("更正 of the not-met entry to 正常 satisfies it, 更正 back to 未见 opens it again", async () => {
    later(6);
    // The newest record left is the not-met one of 20 November; the correction keeps its date.
    const c = await h.say("wangli", "更正 3 正常");
    expect(c[0]?.text).toBe("已更正：王秀英 上门走访 正常（11月20日）。");
    const fixed = await lastVisit();
    expect(await missOf("王秀英@V1", "2026-W47")).toMatchObject({
      satisfiedAt: h.clock.now,
      satisfiedByVisitId: fixed.id,
    });
    later(1);
    await h.say("wangli", "更正 3 未见");
    expect(await missOf("王秀英@V1", "2026-W47")).toMatchObject({
      satisfiedAt: null,
      satisfiedByVisitId: null,
    });
  });

  it("when the satisfying entry is withdrawn, another visit still in the period keeps it satisfied", async () => {
    // A visit by someone else that reached the database another way (no late-entry settling).
    const other = await h.db.prisma.visit.create({
      data: {
        subjectId: h.ids["王秀英@V1"]!,
        cadreId: h.ids.wangdefu!,
        occurredAt: sh("2026-11-19 15:00"),
        method: "in_person",
        outcome: "normal",
        createdAt: sh("2026-11-19 15:00"),
      },
    });
    expect(await missOf("王秀英@V1", "2026-W47")).toMatchObject({ satisfiedAt: null });
    later(11);
    await h.say("wangli", "11月21日 3 电话 正常");
    const phone = await lastVisit();
    expect(await missOf("王秀英@V1", "2026-W47")).toMatchObject({ satisfiedByVisitId: phone.id });
    later(1);
    await h.say("wangli", "撤销");
    expect(await missOf("王秀英@V1", "2026-W47")).toMatchObject({
      satisfiedAt: h.clock.now,
      satisfiedByVisitId: other.id,
    });
  });
});

describe("a monthly miss needing two in-person visits (张三@V2)", () => {
  it("one late visit leaves October open, a phone call does not count, the second visit satisfies it", async () => {
    expect(await missOf("张三@V2", "2026-10")).toMatchObject({ satisfiedAt: null });
    h.clock.now = new Date(NOW.getTime() + 3 * 60 * MIN);
    await h.say("wangli", "10月20日 4 正常");
    expect(await missOf("张三@V2", "2026-10")).toMatchObject({ satisfiedAt: null });
    later();
    await h.say("wangli", "10月22日 4 电话 正常");
    expect(await missOf("张三@V2", "2026-10")).toMatchObject({ satisfiedAt: null });
    later();
    const r = await h.say("wangli", "10月27日 4 正常");
    expect(r[0]?.text).toContain("已登记：张三 上门走访 正常（10月27日）");
    expect(await missOf("张三@V2", "2026-10")).toMatchObject({
      satisfiedAt: h.clock.now,
      satisfiedByVisitId: (await lastVisit()).id,
    });
  });
});

describe("misses that stay open", () => {
  it("a not-met late entry does not satisfy October (李四, monthly)", async () => {
    h.clock.now = new Date(NOW.getTime() + 4 * 60 * MIN);
    expect(await missOf("李四@V1", "2026-10")).toMatchObject({ satisfiedAt: null });
    const r = await h.say("wangli", "10月15日 2 未见 外出打工");
    expect(r[0]?.text).toContain("已登记：李四");
    expect(await missOf("李四@V1", "2026-10")).toMatchObject({ satisfiedAt: null });
    later();
    // An abnormal visit is a visit: it counts.
    await h.say("wangli", "10月16日 2 异常 情绪低落");
    expect(await missOf("李四@V1", "2026-10")).toMatchObject({ satisfiedByVisitId: (await lastVisit()).id });
  });

  it("a correction that moves the visit out of October opens October again", async () => {
    h.clock.now = new Date(NOW.getTime() + 4 * 60 * MIN + 20 * MIN);
    const c = await h.say("wangli", "更正 11月2日 2 正常");
    expect(c[0]?.text).toBe("已更正：李四 上门走访 正常（11月2日）。");
    expect(await missOf("李四@V1", "2026-10")).toMatchObject({ satisfiedAt: null, satisfiedByVisitId: null });
  });
});

describe("every-N-days (张三@V1: in person every 14 days)", () => {
  it("the window close-out judged on 15 November is satisfied by a late visit in it, not by a phone call", async () => {
    h.clock.now = new Date(NOW.getTime() + 5 * 60 * MIN);
    expect(await missOf("张三@V1", "2026-11-01+14d")).toMatchObject({ satisfiedAt: null });
    await h.say("wangli", "11月10日 1 电话 正常");
    expect(await missOf("张三@V1", "2026-11-01+14d")).toMatchObject({ satisfiedAt: null });
    later();
    await h.say("wangli", "11月10日 1 正常");
    expect(await missOf("张三@V1", "2026-11-01+14d")).toMatchObject({
      satisfiedAt: h.clock.now,
      satisfiedByVisitId: (await lastVisit()).id,
    });
  });
});

describe("each guarantor (严管对象: 王丽 and 王德富 every week)", () => {
  it("王丽's late visit satisfies her own miss only", async () => {
    h.clock.now = new Date(NOW.getTime() + 6 * 60 * MIN);
    const wangli = `cadre:${h.ids.wangli}`;
    const wangdefu = `cadre:${h.ids.wangdefu}`;
    expect(
      (await misses(strict))
        .filter((m) => m.periodKey === "2026-W47")
        .map((m) => m.scope)
        .sort(),
    ).toEqual([wangli, wangdefu].sort());
    await h.say("wangli", "11月18日 5 正常");
    expect(await missOf(strict, "2026-W47", wangli)).toMatchObject({
      satisfiedByVisitId: (await lastVisit()).id,
    });
    expect(await missOf(strict, "2026-W47", wangdefu)).toMatchObject({ satisfiedAt: null });
  });
});

describe("the repository", () => {
  it("satisfied misses are not listed for notice; clearing opens exactly those of the visit", async () => {
    const { missedObligations } = h.store;
    const subjectId = h.ids["孙六@V2"]!;
    await missedObligations.recordMany(
      [
        { subjectId, scope: "any", periodKey: "2026-W40", period: "week", consecutive: 1, rung: "guarantor" },
        {
          subjectId,
          scope: "any",
          periodKey: "2026-W41",
          period: "week",
          consecutive: 2,
          rung: "village_leader",
        },
      ],
      NOW,
    );
    const keys = ["2026-W40", "2026-W41"];
    expect(
      await missedObligations.markSatisfied({ subjectId, periodKey: "2026-W40", scopes: ["any"] }, 9001, NOW),
    ).toBe(1);
    // Already satisfied: another visit does not take it over.
    expect(
      await missedObligations.markSatisfied({ subjectId, periodKey: "2026-W40", scopes: ["any"] }, 9002, NOW),
    ).toBe(0);
    const pending = async () =>
      (await missedObligations.listPending(NOW))
        .filter((m) => m.subjectId === subjectId && keys.includes(m.periodKey))
        .map((m) => m.periodKey);
    expect(await pending()).toEqual(["2026-W41"]);
    expect(
      (await missedObligations.listForSubject(subjectId)).filter((m) => keys.includes(m.periodKey)),
    ).toHaveLength(2);
    expect(await missedObligations.clearSatisfied(9002)).toBe(0);
    expect(await missedObligations.clearSatisfied(9001)).toBe(1);
    expect(await pending()).toEqual(["2026-W40", "2026-W41"]);
    // The notice claims only rows still pending, and marks them notified.
    const rows = await missedObligations.listForSubject(subjectId);
    const w40 = rows.find((m) => m.periodKey === "2026-W40")!.id;
    await missedObligations.markSatisfied({ subjectId, periodKey: "2026-W40", scopes: ["any"] }, 9001, NOW);
    const w41 = rows.find((m) => m.periodKey === "2026-W41")!.id;
    expect(await missedObligations.claimForNotice([w40, w41], NOW)).toEqual([w41]);
    expect(await missedObligations.claimForNotice([w40, w41], NOW)).toEqual([]);
    expect(await pending()).toEqual([]);
  });
});
