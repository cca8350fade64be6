import fs from "node:fs";
import path from "node:path";
import chineseDays from "chinese-days/dist/chinese-days.json";
import { CALENDAR_SETTING_KEY } from "../../src/planning/calendar-settings";
import { type CliInputScript, cliRunner } from "../helpers/run-cli";
import { makeTempDir } from "../helpers/temp-dir";
import { createTownship, SECRET_KEY_HEX, sh, type Township } from "../planning/township-fixture";

const NOTICES = path.join(__dirname, "..", "domain", "holiday-notices");
const noticeFile = (name: string) => path.join(NOTICES, name);
const NOW = sh("2026-12-04 10:00");

let t: Township;
let tmp: { dir: string; cleanup: () => void };
let baobao: ReturnType<typeof cliRunner>;
beforeAll(async () => {
  t = await createTownship();
  tmp = makeTempDir();
  baobao = cliRunner({ DATABASE_URL: t.db.url, DATA_DIR: tmp.dir, BAOBAO_SECRET_KEY: SECRET_KEY_HEX });
});
afterAll(async () => {
  await t.close();
  tmp.cleanup();
});

const cli = (args: string[], input?: CliInputScript) =>
  baobao(args, { now: NOW, ...(input ? { input } : {}) });
const json = async (...args: string[]) => {
  const res = await cli(args);
  expect(res).toMatchObject({ code: 0, err: "" });
  return JSON.parse(res.out);
};
const setting = () => t.store.settings.get(CALENDAR_SETTING_KEY);
const audits = async () =>
  (
    await t.db.sql<{ action: string }>(
      `SELECT "action" FROM "AuditLog" WHERE "action" LIKE 'calendar.%' ORDER BY "id"`,
    )
  ).map((r) => r.action);
/** A notice text written to a file of the temp dir. */
const writeNotice = (name: string, text: string | Buffer) => {
  const file = path.join(tmp.dir, name);
  fs.writeFileSync(file, text);
  return file;
};
const library = (year: number) => ({
  daysOff: Object.keys(chineseDays.holidays)
    .filter((d) => d.startsWith(`${year}-`))
    .sort(),
  workdays: Object.keys(chineseDays.workdays)
    .filter((d) => d.startsWith(`${year}-`))
    .sort(),
});

describe("calendar list", () => {
  it("shows chinese-days' 2026 with names and sources", async () => {
    const doc = await json("calendar", "list", "--year", "2026", "--json");
    expect(doc).toMatchObject({ year: 2026, schedule: "library", notices: [], warning: null });
    expect(doc.daysOff.map((d: { date: string }) => d.date)).toEqual(library(2026).daysOff);
    expect(doc.workdays.map((d: { date: string }) => d.date)).toEqual(library(2026).workdays);
    expect(doc.daysOff[0]).toEqual({ date: "2026-01-01", name: "元旦", source: "library" });
    const text = await cli(["calendar", "list", "--year", "2026"]);
    expect(text.code).toBe(0);
    expect(text.out).toContain("2026年工作日安排：chinese-days 已收录");
    expect(text.out).toContain("2月15日（周日）至2月23日（周一），共9天  春节  〔chinese-days〕");
    expect(text.out).toContain("9月20日（周日）  国庆节调休上班  〔chinese-days〕");
  });

  it("says clearly when a year has no data: Monday–Friday only, and how to fix it", async () => {
    const doc = await json("calendar", "list", "--year", "2027", "--json");
    expect(doc).toMatchObject({ year: 2027, schedule: "missing", daysOff: [], workdays: [] });
    expect(doc.warning).toContain("2027年法定节假日和调休安排未收录");
    const text = await cli(["calendar", "list", "--year", "2027"]);
    expect(text.out).toContain("2027年工作日安排：未收录");
    expect(text.out).toContain("整年暂按周一至周五为工作日计算");
    expect(text.out).toContain("npx baobao calendar import 通知.txt");
  });

  it("defaults to the current year and refuses a bad year", async () => {
    expect((await json("calendar", "list", "--json")).year).toBe(2026);
    expect(await cli(["calendar", "list", "--year", "27"])).toMatchObject({
      code: 1,
      err: expect.stringContaining("年份应为 2000–2099 的四位数：27"),
    });
  });
});

describe("calendar import", () => {
  afterEach(() => t.store.settings.set(CALENDAR_SETTING_KEY, { overrides: [], scheduledYears: [] }));

  it("imports the 2026 notice: exactly chinese-days' 2026, shown by list as imported", async () => {
    const res = await cli(["calendar", "import", noticeFile("2026.txt"), "--yes", "--json"]);
    expect(res).toMatchObject({ code: 0, err: "" });
    const doc = JSON.parse(res.out);
    expect(doc).toMatchObject({
      year: 2026,
      stored: true,
      missingHolidays: [],
      differencesFromLibrary: [],
      replaced: [],
    });
    const list = await json("calendar", "list", "--year", "2026", "--json");
    expect(list.notices).toEqual([2026]);
    expect(list.daysOff.map((d: { date: string }) => d.date)).toEqual(library(2026).daysOff);
    expect(list.workdays.map((d: { date: string }) => d.date)).toEqual(library(2026).workdays);
    expect(new Set(list.daysOff.map((d: { source: string }) => d.source))).toEqual(new Set(["notice"]));
    expect(list.workdays[0]).toEqual({ date: "2026-01-04", name: "元旦调休上班", source: "notice" });
    expect(await audits()).toContain("calendar.import");
  });

  it("prints the days for confirmation and stores on y at a terminal; N stores nothing", async () => {
    const before = (await audits()).length;
    const no = await cli(["calendar", "import", noticeFile("2025.txt")], {
      interactive: true,
      answers: ["n"],
    });
    expect(no).toMatchObject({ code: 1, err: "错误：已取消，未保存任何内容。" });
    expect(no.asked).toEqual(["确认保存2025年的以上安排？[y/N] "]);
    expect(no.out).toContain("国务院办公厅关于2025年部分节假日安排的通知");
    expect(no.out).toContain(
      "  春节：放假 1月28日（周二）至2月4日（周二），共8天；调休上班 1月26日（周日）、2月8日（周六）",
    );
    expect(no.out).toContain(
      "共放假 28 天（其中周一至周五 18 天不推送走访卡片），调休上班 5 天（照常推送）。",
    );
    expect(no.out).toContain("与 chinese-days 收录的2025年安排完全一致。");
    expect(await setting()).toEqual({ overrides: [], scheduledYears: [] });
    expect(await audits()).toHaveLength(before);

    const yes = await cli(["calendar", "import", noticeFile("2025.txt")], {
      interactive: true,
      answers: ["y"],
    });
    expect(yes.code).toBe(0);
    expect(yes.out).toContain(
      "已保存2025年放假安排：放假 28 天、调休上班 5 天。计划、推送和提醒即日起按此计算（chinese-days 也收录了该年，两者不同时以导入的为准）。",
    );
    expect((await json("calendar", "list", "--year", "2025", "--json")).notices).toEqual([2025]);
  });

  it("without a terminal and without --yes refuses clearly and stores nothing", async () => {
    const res = await cli(["calendar", "import", noticeFile("2026.txt")], { interactive: false });
    expect(res.code).toBe(2);
    expect(res.out).toContain("  元旦：放假 1月1日（周四）至1月3日（周六），共3天；调休上班 1月4日（周日）");
    expect(res.err).toContain("错误：未保存：没有终端可以确认。请核对以上安排，无误后加 --yes 重新执行");
    const asJson = await cli(["calendar", "import", noticeFile("2026.txt"), "--json"]);
    expect(asJson.code).toBe(2);
    expect(JSON.parse(asJson.out)).toMatchObject({ year: 2026, stored: false });
    expect(await setting()).toEqual({ overrides: [], scheduledYears: [] });
  });

  it("reads the notice from standard input with -, and takes --year for a text without title", async () => {
    const body = fs
      .readFileSync(noticeFile("2027-fictional.txt"), "utf8")
      .split("\n")
      .filter((l) => /^[一二]、/.test(l))
      .join("\n");
    const missing = await cli(["calendar", "import", "-", "--yes"], { stdin: body });
    expect(missing).toMatchObject({ code: 1, err: expect.stringContaining("无法确定年份") });
    const res = await cli(["calendar", "import", "-", "--year", "2027", "--yes"], { stdin: body });
    expect(res.code).toBe(0);
    expect(res.out).toContain("已保存2027年放假安排：放假 12 天、调休上班 2 天。");
    const list = await json("calendar", "list", "--year", "2027", "--json");
    expect(list).toMatchObject({ schedule: "entered", notices: [2027], warning: null });
    expect(await cli(["calendar", "import", "-", "--yes"])).toMatchObject({
      code: 1,
      err: expect.stringContaining("没有标准输入可读"),
    });
  });

  it("re-importing a year replaces the earlier import and an operator's ruling of a named date", async () => {
    await cli(["calendar", "set", "2027-03-02", "--off", "--note", "防汛停工"]);
    await cli(["calendar", "set", "2027-01-02", "--workday", "--note", "误设"]);
    await cli(["calendar", "import", noticeFile("2027-fictional.txt"), "--yes"]);
    const again = await cli(["calendar", "import", noticeFile("2027-fictional.txt"), "--yes"]);
    expect(again.out).toContain("替换了此前导入的2027年安排 14 条。");
    expect(again.out).toContain("注意：通知中没有清明节、劳动节、端午节、中秋节、国庆节。");
    const list = await json("calendar", "list", "--year", "2027", "--json");
    expect(list.daysOff).toContainEqual({ date: "2027-03-02", name: "防汛停工", source: "operator" });
    expect(list.daysOff).toContainEqual({ date: "2027-01-02", name: "元旦", source: "notice" });
    expect(list.daysOff).toHaveLength(13);
  });

  it("shows where a notice for a year chinese-days has differs from it", async () => {
    const real = fs.readFileSync(noticeFile("2026.txt"), "utf8");
    const moved = real.replace("9月25日（周五）至27日（周日）", "9月24日（周四）至26日（周六）");
    const res = await cli(["calendar", "import", writeNotice("moved.txt", moved)]);
    expect(res.code).toBe(2);
    expect(res.out).toContain(
      [
        "与 chinese-days 收录的2026年安排有 2 处不同：",
        "  9月24日（周四）：通知 放假，chinese-days 无安排（保存后以通知为准）",
        "  9月27日（周日）：通知 无安排，chinese-days 放假（通知未提及，仍按 chinese-days）",
      ].join("\n"),
    );
  });

  it("bad notices get specific errors and store nothing", async () => {
    const real = fs.readFileSync(noticeFile("2026.txt"), "utf8");
    const before = (await audits()).length;
    const cases: [string, string][] = [
      ["今天天气很好，没有通知。", "  全文：无法确定年份"],
      [
        real.replace("至3日（周六）", "至1日（周四）"),
        "  第6行：日期范围倒置：结束日2026年1月1日不晚于开始日2026年1月1日",
      ],
      [real.replace("5月9日（周六）上班", "2月30日（周六）上班"), "  第9行：2026年2月30日不是有效日期"],
      [real.replace("共7天", "共8天"), "  第12行：天数不符"],
    ];
    for (const [text, reason] of cases) {
      const res = await cli(["calendar", "import", writeNotice("bad.txt", text), "--yes"]);
      expect(res.code).toBe(1);
      expect(res.out).toBe("");
      expect(res.err).toContain("错误：通知无法识别，未保存任何内容：");
      expect(res.err).toContain(reason);
    }
    const asJson = await cli([
      "calendar",
      "import",
      writeNotice("bad.txt", cases[1]?.[0] ?? ""),
      "--yes",
      "--json",
    ]);
    expect(JSON.parse(asJson.out)).toEqual({
      stored: false,
      errors: [
        { line: 6, text: "1月1日(周四)至1日(周四)放假调休,共3天", reason: expect.stringContaining("倒置") },
      ],
    });
    // GBK bytes of "国务院" are not UTF-8.
    const gbk = await cli([
      "calendar",
      "import",
      writeNotice("gbk.txt", Buffer.from([0xb9, 0xfa, 0xce, 0xf1, 0xd4, 0xba])),
      "--yes",
    ]);
    expect(gbk).toMatchObject({ code: 1, err: expect.stringContaining("不是 UTF-8 编码") });
    expect(await cli(["calendar", "import", path.join(tmp.dir, "none.txt"), "--yes"])).toMatchObject({
      code: 1,
      err: expect.stringContaining("文件不存在"),
    });
    expect(await setting()).toEqual({ overrides: [], scheduledYears: [] });
    expect(await audits()).toHaveLength(before);
  });
});

describe("calendar set", () => {
  afterEach(() => t.store.settings.set(CALENDAR_SETTING_KEY, { overrides: [], scheduledYears: [] }));

  it("sets a day off, keeps warning until the year is marked complete, clears it again — all audited", async () => {
    const before = (await audits()).length;
    const set = await cli(["calendar", "set", "2027-01-01", "--off", "--note", "元旦"]);
    expect(set.code).toBe(0);
    expect(set.out).toContain("已设置 1月1日（周五） 放假（元旦）。");
    expect(set.out).toContain("注意：2027年仍未标记为完整录入");
    let plan = await json("plan", "--date", "2027-01-01", "--json");
    expect(plan.workday).toBe(false);
    expect(plan.calendarWarnings).toEqual([
      { year: 2027, message: expect.stringContaining("2027年法定节假日") },
    ]);
    const list = await cli(["calendar", "list", "--year", "2027"]);
    expect(list.out).toContain("1月1日（周五）  元旦  〔运维设置〕");
    expect(list.out).toContain("该年尚未标记为完整");

    expect((await cli(["calendar", "set", "2027", "--complete"])).out).toContain(
      "已标记2027年的放假和调休安排已全部录入",
    );
    plan = await json("plan", "--date", "2027-01-01", "--json");
    expect(plan.calendarWarnings).toEqual([]);
    expect((await cli(["calendar", "set", "2027", "--incomplete"])).code).toBe(0);
    expect((await json("plan", "--date", "2027-01-04", "--json")).calendarWarnings).toHaveLength(1);

    const clear = await cli(["calendar", "set", "2027-01-01", "--clear"]);
    expect(clear.out).toContain("已清除 1月1日（周五） 的设置（原为 2027-01-01 放假（元旦）〔运维设置〕）。");
    expect((await json("plan", "--date", "2027-01-01", "--json")).workday).toBe(true);
    expect((await audits()).slice(before)).toEqual([
      "calendar.set",
      "calendar.year",
      "calendar.year",
      "calendar.clear",
    ]);
  });

  it("--complete with a date marks the year; a make-up Sunday with --workday", async () => {
    const res = await json(
      "calendar",
      "set",
      "2027-01-31",
      "--workday",
      "--note",
      "春节调休上班",
      "--complete",
      "--json",
    );
    expect(res).toMatchObject({ date: "2027-01-31", workday: true, yearScheduled: true });
    expect((await json("plan", "--date", "2027-01-31", "--json")).workday).toBe(true);
  });

  it("refuses unclear requests with a specific message and changes nothing", async () => {
    const cases: [string[], string][] = [
      [["2027-01-01"], "请用 --off（放假）、--workday（上班）或 --clear（清除）中的一个"],
      [
        ["2027-01-01", "--off", "--workday"],
        "请用 --off（放假）、--workday（上班）或 --clear（清除）中的一个",
      ],
      [["2027-02-30", "--off"], "日期应为 YYYY-MM-DD 格式的真实日期（或四位年份）：2027-02-30"],
      [["2027-01-01", "--clear"], "2027-01-01 没有设置或导入的安排，无需清除"],
      [["2026", "--complete"], "2026年已由 chinese-days 收录，无需标记"],
      [["2027"], "请用 --complete 或 --incomplete"],
      [["2026-05-06", "--off", "--complete"], "2026年已由 chinese-days 收录，无需 --complete"],
      [["2027-01-01", "--off", "--note", "一".repeat(51)], "说明最多 50 字"],
    ];
    for (const [args, message] of cases) {
      const res = await cli(["calendar", "set", ...args]);
      expect(res.code).toBe(1);
      expect(res.err).toContain(message);
    }
    expect(await setting()).toEqual({ overrides: [], scheduledYears: [] });
  });
});

describe("help", () => {
  it.each([[["calendar"]], [["calendar", "list"]], [["calendar", "set"]], [["calendar", "import"]]])(
    "%j --help is in Chinese",
    async (args) => {
      const res = await cli([...args, "--help"]);
      expect(res.code).toBe(0);
      expect(res.out).toMatch(/^用法：\s*baobao calendar/);
      expect(res.out).toMatch(/选项：|命令：/);
    },
  );
});

describe("plan and push print the calendar warning first", () => {
  it("before anything else on stderr, and as a JSON field", async () => {
    const plan = await baobao(["plan", "--date", "2026-12-04"], { now: NOW });
    expect(plan.code).toBe(0);
    expect(plan.err.split("\n")[0]).toBe(
      "警告：2027年法定节假日和调休安排未收录，2027年暂按周一至周五为工作日计算（节假日照常推送走访卡片）；请导入国务院办公厅公布的2027年放假安排：npx baobao calendar import 通知.txt",
    );
    const push = await baobao(["push", "daily", "--date", "2026-12-04", "--dry-run", "--json"], { now: NOW });
    const doc = JSON.parse(push.out);
    expect(doc.calendarWarnings).toEqual([{ year: 2027, message: expect.stringContaining("2027年") }]);
    expect(doc.warnings[0]).toBe(doc.calendarWarnings[0].message);
    const text = await baobao(["push", "reminder", "--date", "2026-12-04", "--dry-run"], { now: NOW });
    expect(text.err.split("\n")[0]).toContain("警告：2027年法定节假日和调休安排未收录");
    expect(text.err.match(/2027年法定节假日/g)).toHaveLength(1);
    // November: next year is not yet a concern.
    expect((await json("plan", "--date", "2026-11-30", "--json")).calendarWarnings).toEqual([]);
  });
});
