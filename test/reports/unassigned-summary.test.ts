/**
 * People owed a visit with no active guarantor in the leaders' summary: a count line in every
 * summary, the names (at most SUMMARY_ITEMS_SHOWN) only in the 1:1 message of leaders whose
 * jurisdiction holds them, never in the group text.
 */
import { runLeaderSummary } from "../../src/jobs/leader-summary";
import { loadRegionSummary } from "../../src/reports/load-summary";
import { renderGroupSummary, SUMMARY_ITEMS_SHOWN } from "../../src/reports/render-summary";
import { createTownship, sh, type Township, TZ } from "../planning/township-fixture";

let t: Township;
const NAMES = ["甲一", "乙二", "丙三", "丁四", "戊五", "己六", "庚七", "辛八", "壬九", "癸十", "子十一"];
beforeAll(async () => {
  t = await createTownship();
  await t.subject({ name: "张三", category: "elderly_alone", level: "high", guarantors: [t.cadres.wangli] });
  for (const name of NAMES) {
    await t.subject({ name, category: "elderly_alone", level: "high", village: "v2", guarantors: [] });
  }
  // A guarantor who left without a handover counts as none.
  await t.subject({
    name: "孤二",
    category: "elderly_alone",
    level: "high",
    village: "v2",
    guarantors: [t.cadres.zhaomin],
  });
  await t.store.cadres.update(t.cadres.zhaomin.id, { active: false });
});
afterAll(() => t.close());

describe("people without an active guarantor in the leaders' summary", () => {
  it("is a count line with the first names in the 1:1 summary of the township and of their village only", async () => {
    expect(NAMES.length + 1).toBeGreaterThan(SUMMARY_ITEMS_SHOWN);
    const outcome = await runLeaderSummary(t.deps(), sh("2026-11-24 17:30"));
    const byUser = new Map(outcome.messages.map((m) => [m.to, m.body]));
    const township = byUser.get("zhoujg") ?? "";
    const shown = [...NAMES, "孤二"].slice(0, SUMMARY_ITEMS_SHOWN).map((n) => `${n}（河口村）`);
    expect(township).toContain(
      ["12人无在岗包保人，应访任务无人接收：", ...shown, "……共12人，请尽快指定包保人。"].join("\n"),
    );
    expect(township).not.toContain("孤二");
    expect(byUser.get("lichunsheng")).toContain("12人无在岗包保人");
    // 青山村's leader has nobody unassigned: no such line.
    expect(byUser.get("wangdefu")).not.toContain("无在岗包保人");
    expect(outcome.warnings).toContain("12名人员当前没有在岗包保人，应访任务无人接收，请尽快指定包保人。");
  });

  it("is a count without names in the group summary", async () => {
    const region = await t.store.regions.findById(t.regions.township);
    if (!region) throw new Error("no township");
    const { summary } = await loadRegionSummary(t.store, TZ, region, sh("2026-11-24 17:30"));
    const text = renderGroupSummary(t.deps().templates, summary);
    expect(text).toContain("\n12人无在岗包保人。\n");
    for (const name of NAMES) expect(text).not.toContain(name);
  });
});
