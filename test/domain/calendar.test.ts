import { getDayDetail } from "chinese-days";
import {
  createCalendar,
  libraryRulings,
  libraryScheduleYears,
  scheduleOutlook,
} from "../../src/domain/calendar";
import { calendar, sh } from "./fixtures";

describe("createCalendar — 2026 official schedule (State Council notice of Nov 2025, as in chinese-days)", () => {
  it.each([
    ["2026-10-01", false],
    ["2026-10-02", false],
    ["2026-10-03", false],
    ["2026-10-04", false],
    ["2026-10-05", false],
    ["2026-10-06", false],
    ["2026-10-07", false],
    ["2026-10-08", true],
    ["2026-10-09", true],
    ["2026-10-10", true], // Saturday, make-up working day (调休上班)
    ["2026-10-11", false],
    ["2026-09-20", true], // Sunday, make-up working day before National Day
    ["2026-09-25", false], // Mid-Autumn Festival (Friday)
    ["2026-02-14", true], // Saturday before Spring Festival
    ["2026-02-16", false], // Spring Festival, Monday
    ["2026-02-23", false], // Spring Festival, Monday
    ["2026-02-28", true], // Saturday after Spring Festival
    ["2026-11-24", true], // ordinary Tuesday
    ["2026-11-28", false], // ordinary Saturday
  ])("%s is a working day: %s", (date, expected) => {
    expect(calendar.isWorkday(date)).toBe(expected);
  });

  it("names holidays and make-up days and says where the ruling came from", () => {
    expect(calendar.describeDay("2026-10-03")).toEqual({
      date: "2026-10-03",
      workday: false,
      source: "official",
      name: "国庆节",
    });
    expect(calendar.describeDay("2026-10-10")).toMatchObject({ workday: true, source: "official" });
    expect(calendar.describeDay("2026-10-10").name).toContain("调休上班");
  });

  it("agrees with the chinese-days API on every day of 2026", () => {
    const mismatches: string[] = [];
    for (let day = new Date(2026, 0, 1, 12); day.getFullYear() === 2026; day.setDate(day.getDate() + 1)) {
      // Local noon: the package reads dates in the process time zone.
      const detail = getDayDetail(new Date(day));
      if (calendar.isWorkday(detail.date) !== detail.work) mismatches.push(detail.date);
    }
    expect(mismatches).toEqual([]);
  });

  it("counts working days across the National Day week (start exclusive, end inclusive)", () => {
    expect(calendar.workdaysBetween("2026-09-30", "2026-10-07")).toBe(0);
    expect(calendar.workdaysBetween("2026-09-30", "2026-10-08")).toBe(1);
    expect(calendar.workdaysBetween("2026-09-30", "2026-10-10")).toBe(3);
    expect(calendar.workdaysBetween("2026-10-10", "2026-09-30")).toBe(-3);
    expect(calendar.workdaysBetween("2026-11-20", "2026-11-24")).toBe(2);
    expect(calendar.workdaysBetween("2026-11-24", "2026-11-24")).toBe(0);
  });

  it("adds working days over holidays and make-up days", () => {
    expect(calendar.addWorkdays("2026-09-30", 1)).toBe("2026-10-08");
    expect(calendar.addWorkdays("2026-10-09", 1)).toBe("2026-10-10");
    expect(calendar.addWorkdays("2026-10-10", 1)).toBe("2026-10-12");
    expect(calendar.addWorkdays("2026-10-08", -1)).toBe("2026-09-30");
    expect(calendar.addWorkdays("2026-10-01", 0)).toBe("2026-10-01");
    expect(calendar.workdaysBetween("2026-09-30", calendar.addWorkdays("2026-09-30", 4))).toBe(4);
  });

  it("counts the same outside the precomputed range (1999, 2101) as inside", () => {
    // Weekday fallback years: 5 working days per ordinary week.
    expect(calendar.workdaysBetween("1999-01-03", "1999-01-10")).toBe(5);
    expect(calendar.workdaysBetween("2101-01-02", "2101-01-09")).toBe(5);
  });
});

describe("createCalendar — local dates in the time zone", () => {
  it("reads Sunday 23:59 and Monday 00:00 in Shanghai", () => {
    expect(calendar.localDate(sh("2026-11-29 23:59"))).toBe("2026-11-29");
    expect(calendar.localDate(sh("2026-11-30 00:00"))).toBe("2026-11-30");
    expect(calendar.localDate(new Date("2026-11-29T16:00:00Z"))).toBe("2026-11-30");
    expect(calendar.isWorkday(new Date("2026-09-30T16:30:00Z"))).toBe(false); // 10-01 00:30 Shanghai
  });

  it("follows another zone when told", () => {
    const utc = createCalendar({ tz: "UTC" });
    expect(utc.localDate(new Date("2026-11-29T16:00:00Z"))).toBe("2026-11-29");
    expect(utc.tz).toBe("UTC");
  });
});

describe("createCalendar — years without a schedule are reported, never silent", () => {
  it("knows which years chinese-days covers (2004–2026 in 1.5.7)", () => {
    expect(calendar.hasOfficialSchedule(2026)).toBe(true);
    expect(calendar.hasOfficialSchedule(2004)).toBe(true);
    expect(calendar.hasOfficialSchedule(2027)).toBe(false);
    expect(libraryScheduleYears()).toContain(2026);
  });

  it("warns about each missing year in a range and marks fallback days", () => {
    const warnings = calendar.scheduleWarnings("2026-12-28", "2028-01-03");
    expect(warnings.map((w) => w.year)).toEqual([2027, 2028]);
    expect(warnings[0]).toMatchObject({ code: "calendar.schedule_missing" });
    expect(warnings[0]?.message).toContain("2027年法定节假日");
    expect(calendar.scheduleWarnings("2026-01-01", "2026-12-31")).toEqual([]);
    expect(calendar.describeDay("2027-03-01")).toEqual({
      date: "2027-03-01",
      workday: true,
      source: "weekday_fallback",
    });
  });

  it("takes operator overrides and operator-entered years", () => {
    const operated = createCalendar({
      overrides: [
        { date: "2027-01-01", workday: false, note: "元旦" },
        { date: "2027-02-20", workday: true, note: "春节调休上班" },
        { date: "2026-11-24", workday: false, note: "本地停工" },
      ],
      scheduledYears: [2027],
    });
    expect(operated.isWorkday("2027-01-01")).toBe(false);
    expect(operated.isWorkday("2027-02-20")).toBe(true); // a Saturday
    expect(operated.isWorkday("2026-11-24")).toBe(false); // overrides win over the library
    expect(operated.describeDay("2026-11-24")).toMatchObject({ source: "override", name: "本地停工" });
    expect(operated.hasOfficialSchedule(2027)).toBe(true);
    expect(operated.scheduleSource(2027)).toBe("operator");
    expect(operated.scheduleWarnings("2027-01-01", "2027-12-31")).toEqual([]);
    expect(operated.workdaysBetween("2026-11-23", "2026-11-25")).toBe(1);
    // An override year without scheduledYears still warns: one override is not a schedule.
    const partial = createCalendar({ overrides: [{ date: "2027-01-01", workday: false }] });
    expect(partial.scheduleWarnings("2027-01-01", "2027-01-31")).toHaveLength(1);
  });

  it("rejects contradicting or malformed overrides", () => {
    expect(() =>
      createCalendar({
        overrides: [
          { date: "2027-01-01", workday: false },
          { date: "2027-01-01", workday: true },
        ],
      }),
    ).toThrow(RangeError);
    expect(() => createCalendar({ overrides: [{ date: "2027-02-30", workday: false }] })).toThrow(RangeError);
  });
});

describe("scheduleOutlook — what an operator must hear about on a day", () => {
  it("the day's own year when missing, and from 1 December the next year", () => {
    const years = (c: ReturnType<typeof createCalendar>, ...dates: string[]) =>
      scheduleOutlook(c, dates).map((w) => w.year);
    expect(years(calendar, "2026-11-30")).toEqual([]);
    expect(years(calendar, "2026-12-01")).toEqual([2027]);
    expect(years(calendar, "2027-06-15")).toEqual([2027]);
    expect(years(calendar, "2027-12-01", "2026-12-31")).toEqual([2027, 2028]);
    expect(years(createCalendar({ scheduledYears: [2027] }), "2026-12-01")).toEqual([]);
    expect(scheduleOutlook(calendar, ["2026-12-01"])[0]?.message).toContain(
      "npx baobao calendar import 通知.txt",
    );
  });

  it("libraryRulings lists the library's days of a year, nothing for a year it lacks", () => {
    const rulings = libraryRulings(2026);
    expect(rulings.filter((r) => !r.workday)).toHaveLength(33);
    expect(rulings.find((r) => r.date === "2026-09-20")).toEqual({
      date: "2026-09-20",
      workday: true,
      name: "国庆节调休上班",
    });
    expect(libraryRulings(2027)).toEqual([]);
  });
});
