import { localDateFromDbDate, toDayNumber, zoneOf } from "../../src/domain/local-date";
import {
  daysWindowAfter,
  isLateEntryAllowed,
  nextPeriod,
  periodFromKey,
  periodKeyOf,
  periodOf,
  previousPeriod,
} from "../../src/domain/periods";
import { sh } from "./fixtures";

describe("ISO weeks (Monday–Sunday, Shanghai)", () => {
  it("puts Sunday 23:59 and Monday 00:00 in different weeks", () => {
    expect(periodKeyOf("week", sh("2026-11-29 23:59"))).toBe("2026-W48");
    expect(periodKeyOf("week", sh("2026-11-30 00:00"))).toBe("2026-W49");
    // The same instants read in UTC are still Sunday afternoon.
    expect(periodKeyOf("week", sh("2026-11-30 00:00"), "UTC")).toBe("2026-W48");
  });

  it("gives the week's days and its instants in the zone", () => {
    const week = periodOf("week", sh("2026-11-24 09:00"));
    expect(week).toMatchObject({
      unit: "week",
      key: "2026-W48",
      startDate: "2026-11-23",
      endDate: "2026-11-29",
    });
    expect(week.start.toISOString()).toBe("2026-11-22T16:00:00.000Z");
    expect(week.end.toISOString()).toBe("2026-11-29T16:00:00.000Z");
    expect(previousPeriod(week).key).toBe("2026-W47");
    expect(nextPeriod(week).key).toBe("2026-W49");
  });

  it("has a 2026-W53 that runs into 2027 (2026 starts on a Thursday), and no 2027-W53", () => {
    const w53 = periodOf("week", "2027-01-01");
    expect(w53).toMatchObject({ key: "2026-W53", startDate: "2026-12-28", endDate: "2027-01-03" });
    expect(periodKeyOf("week", "2026-12-31")).toBe("2026-W53");
    expect(periodKeyOf("week", "2027-01-04")).toBe("2027-W01");
    expect(nextPeriod(w53).key).toBe("2027-W01");
    expect(periodKeyOf("week", "2025-12-29")).toBe("2026-W01");
    expect(periodFromKey("2026-W53").startDate).toBe("2026-12-28");
    expect(() => periodFromKey("2027-W53")).toThrow(RangeError);
    expect(periodFromKey("2027-W52").endDate).toBe("2028-01-02");
  });
});

describe("months, quarters, years", () => {
  it("switches month at local midnight, not UTC midnight", () => {
    expect(periodKeyOf("month", new Date("2026-11-30T15:59:59.999Z"))).toBe("2026-11");
    expect(periodKeyOf("month", new Date("2026-11-30T16:00:00.000Z"))).toBe("2026-12");
    const december = periodFromKey("2026-12");
    expect(december.start.toISOString()).toBe("2026-11-30T16:00:00.000Z");
    expect(december.endDate).toBe("2026-12-31");
    expect(previousPeriod(periodFromKey("2026-03")).endDate).toBe("2026-02-28");
    expect(periodOf("month", "2028-02-10").endDate).toBe("2028-02-29");
  });

  it("ends quarters on the last day of March, June, September, December", () => {
    expect(periodKeyOf("quarter", sh("2026-09-30 23:59"))).toBe("2026-Q3");
    expect(periodKeyOf("quarter", sh("2026-10-01 00:00"))).toBe("2026-Q4");
    const q4 = periodFromKey("2026-Q4");
    expect(q4).toMatchObject({ startDate: "2026-10-01", endDate: "2026-12-31" });
    expect(q4.end.toISOString()).toBe("2026-12-31T16:00:00.000Z");
    expect(previousPeriod(periodFromKey("2026-Q1")).key).toBe("2025-Q4");
    expect(nextPeriod(q4).key).toBe("2027-Q1");
  });

  it("keys years and round-trips every key", () => {
    expect(periodKeyOf("year", sh("2026-12-31 23:59"))).toBe("2026");
    expect(periodKeyOf("year", sh("2027-01-01 00:00"))).toBe("2027");
    for (const key of ["2026-W01", "2026-W48", "2026-11", "2026-Q4", "2026"]) {
      expect(periodFromKey(key).key).toBe(key);
    }
    expect(() => periodFromKey("2026-13")).toThrow(RangeError);
    expect(() => periodFromKey("2026/11")).toThrow(RangeError);
  });
});

describe("every-N-days windows", () => {
  it("run N days from the anchor", () => {
    const window = daysWindowAfter("2026-11-20", 14);
    expect(window).toMatchObject({
      unit: "days",
      key: "2026-11-20+14d",
      startDate: "2026-11-21",
      endDate: "2026-12-04",
    });
    expect(window.end.toISOString()).toBe("2026-12-04T16:00:00.000Z");
    expect(() => daysWindowAfter("2026-11-20", 0)).toThrow(RangeError);
  });
});

describe("late entries", () => {
  const now = sh("2026-11-24 10:00");
  it("are allowed for the current and the previous period only, never for the future", () => {
    expect(isLateEntryAllowed("week", "2026-11-16", now)).toBe(true);
    expect(isLateEntryAllowed("week", "2026-11-15", now)).toBe(false);
    expect(isLateEntryAllowed("week", "2026-11-25", now)).toBe(false);
    expect(isLateEntryAllowed("month", "2026-10-01", now)).toBe(true);
    expect(isLateEntryAllowed("month", sh("2026-09-30 23:00"), now)).toBe(false);
  });
});

describe("local dates", () => {
  it("reads @db.Date values by their UTC date and zone instants by the zone", () => {
    expect(localDateFromDbDate(new Date("2026-11-24T00:00:00Z"))).toBe("2026-11-24");
    const zone = zoneOf("Asia/Shanghai");
    expect(zone.localDateAt(new Date("2026-11-23T16:00:00Z"))).toBe("2026-11-24");
    expect(zone.startOfDay(toDayNumber("2026-11-24")).toISOString()).toBe("2026-11-23T16:00:00.000Z");
  });

  it("handles a zone with daylight saving time", () => {
    const ny = zoneOf("America/New_York");
    // 2026-03-08: clocks go from 02:00 to 03:00; midnight exists and is EST (-05:00).
    expect(ny.startOfDay(toDayNumber("2026-03-08")).toISOString()).toBe("2026-03-08T05:00:00.000Z");
    expect(ny.startOfDay(toDayNumber("2026-03-09")).toISOString()).toBe("2026-03-09T04:00:00.000Z");
    expect(periodOf("month", "2026-11-01", "America/New_York").start.toISOString()).toBe(
      "2026-11-01T04:00:00.000Z",
    );
    // Santiago skips 00:00–01:00 on 2026-09-06: that day starts at 01:00 local (-03:00).
    const santiago = zoneOf("America/Santiago");
    expect(santiago.startOfDay(toDayNumber("2026-09-06")).toISOString()).toBe("2026-09-06T04:00:00.000Z");
    expect(santiago.startOfDay(toDayNumber("2026-09-07")).toISOString()).toBe("2026-09-07T03:00:00.000Z");
  });

  it("rejects impossible dates", () => {
    expect(() => toDayNumber("2026-02-29")).toThrow(RangeError);
    expect(() => toDayNumber("2026-2-1")).toThrow(RangeError);
  });
});
