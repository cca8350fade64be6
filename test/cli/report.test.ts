import fs from "node:fs";
import path from "node:path";
import ExcelJS from "exceljs";
import { run } from "../../src/cli/main";
import { makeTempDir } from "../helpers/temp-dir";
import { SECRET_KEY_HEX, sh } from "../planning/township-fixture";
import { createReportFixture, type ReportFixture } from "../reports/report-fixture";

let t: ReportFixture;
let tmp: { dir: string; cleanup: () => void };
beforeAll(async () => {
  t = await createReportFixture();
  tmp = makeTempDir();
});
afterAll(async () => {
  await t.close();
  tmp.cleanup();
});

/** `baobao …` against the fixture at Thursday 2026-11-26 10:00 (Shanghai). */
async function baobao(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await run(
    ["node", "baobao", ...args],
    { DATABASE_URL: t.db.url, DATA_DIR: tmp.dir, BAOBAO_SECRET_KEY: SECRET_KEY_HEX, LOG_LEVEL: "silent" },
    { out: (s) => out.push(s), err: (s) => err.push(s) },
    () => sh("2026-11-26 10:00"),
  );
  return { code, out: out.join("\n"), err: err.join("\n") };
}

describe("report --json", () => {
  it("prints the day's figures in the documented shape", async () => {
    const res = await baobao("report", "daily", "--date", "2026-11-24", "--region", "429901100", "--json");
    expect(res).toMatchObject({ code: 0, err: "" });
    const doc = JSON.parse(res.out);
    expect(Object.keys(doc).sort()).toEqual(
      [
        "abnormalVisits",
        "incidents",
        "kind",
        "newlyPaused",
        "openIncidents",
        "overdue",
        "period",
        "region",
        "series",
        "title",
        "totals",
        "unitLevel",
        "units",
        "visits",
        "warnings",
      ].sort(),
    );
    expect(doc).toMatchObject({
      kind: "daily",
      title: "示范镇日报",
      region: { code: "429901100", name: "示范镇", level: "township" },
      period: { start: "2026-11-24", end: "2026-11-24", asOf: "2026-11-24", at: "2026-11-24T15:59:59.999Z" },
      totals: { owed: 11, done: 5, due: 3, overdue: 3, paused: 1, coverage: 45 },
      unitLevel: "village",
      visits: { total: 3, normal: 1, abnormal: 1, notMet: 1 },
      incidents: { reported: 1, closed: 0, open: 1 },
    });
    expect(doc.units).toEqual([
      { code: "429901100201", name: "青山村", owed: 6, done: 2, due: 2, overdue: 2, paused: 1, coverage: 33 },
      { code: "429901100202", name: "河口村", owed: 5, done: 3, due: 1, overdue: 1, paused: 0, coverage: 60 },
    ]);
    expect(
      doc.overdue.map((o: { name: string; overdueDays: number; guarantors: string[] }) => [
        o.name,
        o.overdueDays,
        o.guarantors,
      ]),
    ).toEqual([
      ["钱军", 25, ["王丽"]],
      ["李明", 4, ["王丽"]],
      ["冯伟", 4, ["赵敏"]],
    ]);
    expect(doc.openIncidents).toEqual([
      expect.objectContaining({ number: `E${t.openIncident}`, acknowledged: false, ageHours: 11 }),
    ]);
    expect(doc.newlyPaused).toEqual([
      expect.objectContaining({ name: "孙丽", reason: "住院", pausedFrom: "2026-11-24" }),
    ]);
    expect(doc.series).toHaveLength(7);
    expect(JSON.stringify(doc)).not.toContain("11010519491231002X");
  });

  it("defaults to the register's root region and prints readable Chinese text", async () => {
    const res = await baobao("report", "weekly", "--date", "2026-11-24");
    expect(res.code).toBe(0);
    expect(res.out.split("\n")[0]).toBe("示范县周报（2026-11-23 至 2026-11-29，数据截至 2026-11-26 10:00）");
    expect(res.out).toContain("各乡镇覆盖率（按地区编码）：\n  示范镇（429901100）");
  });

  it("explains bad input in Chinese with a non-zero exit code", async () => {
    expect(await baobao("report", "yearly")).toMatchObject({
      code: 1,
      err: expect.stringContaining("未知报表周期：yearly"),
    });
    expect(await baobao("report", "daily", "--date", "2026-13-01")).toMatchObject({
      code: 1,
      err: expect.stringContaining("日期应为 YYYY-MM-DD"),
    });
    expect(await baobao("report", "daily", "--region", "nowhere")).toMatchObject({
      code: 1,
      err: expect.stringContaining("找不到地区编码：nowhere"),
    });
    expect(await baobao("report", "daily", "--xlsx", "/no/such/dir/r.xlsx")).toMatchObject({
      code: 1,
      err: expect.stringContaining("--xlsx 的目录不存在"),
    });
  });
});

describe("report --xlsx and --png", () => {
  it("writes a workbook with the five sheets and the rows of the report", async () => {
    const file = path.join(tmp.dir, "weekly.xlsx");
    const res = await baobao(
      "report",
      "weekly",
      "--date",
      "2026-11-24",
      "--region",
      "429901100",
      "--xlsx",
      file,
    );
    expect(res).toMatchObject({ code: 0, out: `已写出 Excel：${file}` });
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(file);
    expect(wb.worksheets.map((s) => s.name)).toEqual(["汇总", "各村覆盖率", "逾期名单", "走访记录", "事件"]);
    const values = (name: string) =>
      (wb.getWorksheet(name)?.getSheetValues() ?? [])
        .filter(Boolean)
        .map((row) => (row as unknown[]).slice(1));
    expect(values("各村覆盖率")).toEqual([
      ["地区编码", "村（社区）", "应访人数", "已访人数", "待访人数", "逾期人数", "暂停管理", "覆盖率（%）"],
      ["429901100201", "青山村", 6, 2, 2, 2, 1, 33],
      ["429901100202", "河口村", 5, 3, 1, 1, 0, 60],
      ["", "合计", 11, 5, 3, 3, 1, 45],
    ]);
    expect(values("逾期名单").map((r) => r[1])).toEqual(["姓名", "钱军", "李明", "冯伟"]);
    const visits = values("走访记录");
    // Week W48 up to Thursday 10:00: 陈明 11-23, then 11-24: 周强, 张三, 郑华.
    expect(visits.map((r) => r[1])).toEqual(["姓名", "陈明", "周强", "张三", "郑华"]);
    expect(visits.find((r) => r[1] === "张三")?.[2]).toBe("1101**********002X");
    expect(JSON.stringify(visits)).not.toContain("11010519491231002X");
    expect(values("事件").map((r) => r[0])).toEqual(["编号", `E${t.openIncident}`]);
    expect(wb.getWorksheet("走访记录")?.views[0]).toMatchObject({ state: "frozen", ySplit: 1 });
  });

  it("writes a PNG chart of the stated size", async () => {
    const file = path.join(tmp.dir, "chart.png");
    const res = await baobao("report", "monthly", "--date", "2026-11-24", "--png", file);
    expect(res).toMatchObject({ code: 0, out: `已写出图表：${file}` });
    const png = fs.readFileSync(file);
    expect(png.subarray(1, 4).toString()).toBe("PNG");
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([1000, 560]);
    expect(png.length).toBeGreaterThan(10_000);
  });

  it("says which font is missing instead of drawing boxes", async () => {
    const res = await baobao(
      "report",
      "daily",
      "--png",
      path.join(tmp.dir, "x.png"),
      "--font",
      "/no/such.ttc",
    );
    expect(res).toMatchObject({ code: 1, err: expect.stringContaining("找不到字体文件：/no/such.ttc") });
  });
});
