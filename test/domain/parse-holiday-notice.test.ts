import fs from "node:fs";
import path from "node:path";
// The library's own data, read independently of src/domain/calendar.ts.
import chineseDays from "chinese-days/dist/chinese-days.json";
import {
  type HolidayNotice,
  missingHolidays,
  parseHolidayNotice,
} from "../../src/domain/parse-holiday-notice";

const notice = (year: number) =>
  fs.readFileSync(path.join(__dirname, "holiday-notices", `${year}.txt`), "utf8");

function parsed(text: string, year?: number): HolidayNotice {
  const result = parseHolidayNotice(text, year === undefined ? {} : { year });
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.notice;
}

function errorsOf(text: string, year?: number) {
  const result = parseHolidayNotice(text, year === undefined ? {} : { year });
  if (result.ok) throw new Error(`parsed: ${JSON.stringify(result.notice)}`);
  return result.errors;
}

/** chinese-days' days off and make-up working days of the notice for `year` (2023's starts on 2022-12-31). */
function library(year: number, from = `${year}-01-01`) {
  const inYear = (d: string) => d >= from && d <= `${year}-12-31`;
  return {
    daysOff: Object.keys(chineseDays.holidays).filter(inYear).sort(),
    workdays: Object.keys(chineseDays.workdays).filter(inYear).sort(),
  };
}

function flat(n: HolidayNotice) {
  return {
    daysOff: n.holidays.flatMap((h) => h.daysOff).sort(),
    workdays: n.holidays.flatMap((h) => h.workdays).sort(),
  };
}

describe("the real notices equal chinese-days exactly", () => {
  it("2026 (国办发明电〔2025〕7号): 33 days off and 6 make-up working days", () => {
    const n = parsed(notice(2026));
    expect(n.year).toBe(2026);
    expect(n.title).toBe("国务院办公厅关于2026年部分节假日安排的通知");
    expect(flat(n)).toEqual(library(2026));
    expect(flat(n).daysOff).toHaveLength(33);
    expect(n.holidays.map((h) => h.name)).toEqual([
      "元旦",
      "春节",
      "清明节",
      "劳动节",
      "端午节",
      "中秋节",
      "国庆节",
    ]);
    expect(n.holidays[1]).toMatchObject({
      name: "春节",
      line: 7,
      workdays: ["2026-02-14", "2026-02-28"],
    });
    expect(n.holidays[1]?.daysOff).toHaveLength(9);
  });

  it("2025: the 8-day Spring Festival with two make-up days, 元旦 as a single day, 国庆节、中秋节 together", () => {
    const n = parsed(notice(2025));
    expect(flat(n)).toEqual(library(2025));
    expect(n.holidays[0]).toMatchObject({ name: "元旦", daysOff: ["2025-01-01"], workdays: [] });
    expect(n.holidays[1]).toMatchObject({ name: "春节", workdays: ["2025-01-26", "2025-02-08"] });
    expect(n.holidays[1]?.daysOff).toEqual([
      "2025-01-28",
      "2025-01-29",
      "2025-01-30",
      "2025-01-31",
      "2025-02-01",
      "2025-02-02",
      "2025-02-03",
      "2025-02-04",
    ]);
    expect(n.holidays[5]?.name).toBe("国庆节、中秋节");
    expect(missingHolidays(n)).toEqual([]);
  });

  it("names the statutory holidays a notice copied in part lacks", () => {
    expect(missingHolidays(parsed(notice(2026)))).toEqual([]);
    const partial = fs.readFileSync(path.join(__dirname, "holiday-notices", "2027-fictional.txt"), "utf8");
    expect(missingHolidays(parsed(partial))).toEqual(["清明节", "劳动节", "端午节", "中秋节", "国庆节"]);
  });

  it("2024: 与周末连休, 星期日, and a remark that is neither a day off nor a make-up day", () => {
    const n = parsed(notice(2024));
    expect(flat(n)).toEqual(library(2024));
    expect(n.holidays[0]).toMatchObject({ name: "元旦", daysOff: ["2024-01-01"] });
    expect(n.holidays[1]?.remarks).toEqual(["鼓励各单位结合带薪年休假等制度落实,安排职工在除夕(2月9日)休息"]);
  });

  it("2023: 元旦 from the previous year's 31 December, a range across months", () => {
    const n = parsed(notice(2023));
    expect(flat(n)).toEqual(library(2023, "2022-12-31"));
    expect(n.holidays[0]?.daysOff).toEqual(["2022-12-31", "2023-01-01", "2023-01-02"]);
    expect(n.holidays[5]?.daysOff[0]).toBe("2023-09-29");
    expect(n.holidays[5]?.daysOff.at(-1)).toBe("2023-10-06");
  });
});

describe("forms of writing", () => {
  it("reads full-width digits and half-width punctuation alike", () => {
    const fullWidth = notice(2026).replace(/[0-9]/g, (d) => String.fromCharCode(d.charCodeAt(0) + 0xfee0));
    expect(fullWidth).toContain("１月１日");
    expect(flat(parsed(fullWidth))).toEqual(library(2026));
    const halfWidth = notice(2026)
      .replace(/（/g, "(")
      .replace(/）/g, ")")
      .replace(/，/g, ",")
      .replace(/：/g, ":");
    expect(flat(parsed(halfWidth))).toEqual(library(2026));
  });

  it("reads the notice pasted as one paragraph", () => {
    const oneLine = notice(2026).replace(/\n/g, "");
    expect(flat(parsed(oneLine))).toEqual(library(2026));
  });

  it("takes the year from --year when the text has no title, and a make-up day in the next January", () => {
    const n = parsed(
      [
        "一、元旦：1月1日（周五）至3日（周日）放假，共3天。",
        "二、国庆节：10月1日至7日放假调休，共7天。9月26日（周日）、10月9日（周六）上班。",
        "三、测试：12月31日（周五）放假，共1天。2028年1月2日（周日）上班。",
      ].join("\n"),
      2027,
    );
    expect(n.title).toBeNull();
    expect(n.holidays.map((h) => [h.daysOff.length, h.workdays])).toEqual([
      [3, []],
      [7, ["2027-09-26", "2027-10-09"]],
      [1, ["2028-01-02"]],
    ]);
  });

  it("reads a make-up clause joined by a comma, and a range ending in the next year's January", () => {
    const n = parsed(
      "一、元旦：1月1日至3日放假，1月9日（周六）上班。\n二、跨年：12月31日至1月2日放假，共3天。",
      2021,
    );
    expect(n.holidays.map((h) => [h.daysOff, h.workdays])).toEqual([
      [["2021-01-01", "2021-01-02", "2021-01-03"], ["2021-01-09"]],
      [["2021-12-31", "2022-01-01", "2022-01-02"], []],
    ]);
  });
});

describe("bad notices get specific errors", () => {
  it("garbage: no year, or no items", () => {
    expect(errorsOf("今天天气很好")).toEqual([
      expect.objectContaining({ line: 0, reason: expect.stringContaining("无法确定年份") }),
    ]);
    expect(errorsOf("今天天气很好", 2027)).toEqual([
      expect.objectContaining({ line: 0, reason: expect.stringContaining("没有找到放假安排条目") }),
    ]);
  });

  it("a range that runs backwards", () => {
    const errors = errorsOf(notice(2026).replace("至3日（周六）", "至1日（周四）"));
    expect(errors).toEqual([
      {
        line: 6,
        text: "1月1日(周四)至1日(周四)放假调休,共3天",
        reason: expect.stringContaining("日期范围倒置"),
      },
    ]);
  });

  it("an impossible date", () => {
    const errors = errorsOf(notice(2026).replace("5月9日（周六）上班", "2月30日（周六）上班"));
    expect(errors).toEqual([expect.objectContaining({ line: 9, reason: "2026年2月30日不是有效日期" })]);
  });

  it("a weekday that does not match (the wrong year's notice)", () => {
    const errors = errorsOf(notice(2026).replace(/2026年/g, "2027年"));
    expect(errors[0]).toMatchObject({
      line: 6,
      reason: "2027年1月1日是周五，通知写的是周四（年份或日期有误？）",
    });
  });

  it("a day count that does not match the range", () => {
    const errors = errorsOf(notice(2026).replace("共9天", "共8天"));
    expect(errors).toEqual([
      expect.objectContaining({ line: 7, reason: expect.stringContaining("天数不符") }),
    ]);
  });

  it("a make-up working day on a weekday, a date twice, an item without dates, a year that disagrees", () => {
    expect(errorsOf(notice(2026).replace("1月4日（周日）上班", "1月5日（周一）上班"))[0]?.reason).toContain(
      "本来就是工作日",
    );
    expect(errorsOf(notice(2026).replace("5月9日（周六）上班", "2月14日（周六）上班"))[0]).toMatchObject({
      line: 9,
      reason: expect.stringContaining("重复出现（第7行“春节”已有此日）"),
    });
    expect(
      errorsOf(
        notice(2026).replace(
          "六、中秋节：9月25日（周五）至27日（周日）放假，共3天。",
          "六、中秋节：另行通知。",
        ),
      )[0],
    ).toMatchObject({
      line: 11,
      reason: "“中秋节”一项中没有找到放假日期",
    });
    expect(errorsOf(notice(2026), 2027)[0]?.reason).toBe("通知写的是2026年的安排，与指定的年份2027不符");
  });

  it("an item without its colon, and words after 放假 it does not know", () => {
    expect(errorsOf(notice(2026).replace("三、清明节：", "三、清明节 "))[0]).toMatchObject({
      line: 8,
      reason: expect.stringContaining("看不懂这一条"),
    });
    expect(errorsOf(notice(2026).replace("共5天", "大约5天"))[0]).toMatchObject({
      line: 9,
      reason: "看不懂“放假”之后的“调休,大约5天”",
    });
  });
});
