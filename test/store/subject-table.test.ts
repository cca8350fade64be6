import { toDayNumber } from "../../src/domain/local-date";
import { NO_DAY, type SubjectRow, SubjectTable } from "../../src/store/subject-table";

const day = (date: string) => toDayNumber(date);
const codes = new Map([
  [11, "420102001001"],
  [12, "420102001002"],
]);
const codeOf = (regionId: number) => codes.get(regionId) ?? "";

function row(id: number, over: Partial<SubjectRow> = {}): SubjectRow {
  return {
    id,
    name: `人员${id}`,
    regionId: 11,
    category: "elderly_alone",
    level: "key",
    status: "active",
    pausedFromDay: NO_DAY,
    pausedUntilDay: NO_DAY,
    managedFromDay: NO_DAY,
    ...over,
  };
}

describe("SubjectTable", () => {
  it("gives records with the region's code, dates and shared values", () => {
    const table = SubjectTable.of(
      [
        row(3, { managedFromDay: day("2025-01-01") }),
        row(7, { regionId: 12, category: "mental_disorder", level: "risk3" }),
      ],
      codeOf,
    );
    expect(table.length).toBe(2);
    expect(table.at(0)).toEqual({
      id: 3,
      name: "人员3",
      regionId: 11,
      regionCode: "420102001001",
      category: "elderly_alone",
      level: "key",
      status: "active",
      pausedFrom: null,
      pausedUntil: null,
      managedFrom: "2025-01-01",
    });
    expect(table.at(1)).toMatchObject({
      id: 7,
      regionCode: "420102001002",
      category: "mental_disorder",
      level: "risk3",
    });
    expect([table.id(1), table.regionId(1), table.name(1)]).toEqual([7, 12, "人员7"]);
    expect([...table].map((s) => s.id)).toEqual([3, 7]);
    expect(table.slice(1).map((s) => s.id)).toEqual([7]);
    expect([table.indexOf(3), table.indexOf(7), table.indexOf(5), table.indexOf(99)]).toEqual([0, 1, -1, -1]);
  });

  it("hands a paused subject with an end date over as active with its interval, and drops an empty pause", () => {
    const table = SubjectTable.of(
      [
        row(1, { status: "paused", pausedFromDay: day("2026-11-02"), pausedUntilDay: day("2026-11-20") }),
        row(2, { status: "paused", pausedFromDay: day("2026-11-02") }),
        row(3, { status: "active", pausedFromDay: day("2026-11-20"), pausedUntilDay: day("2026-11-19") }),
      ],
      codeOf,
    );
    expect(table.at(0)).toMatchObject({
      status: "active",
      pausedFrom: "2026-11-02",
      pausedUntil: "2026-11-20",
    });
    expect(table.at(1)).toMatchObject({ status: "paused", pausedFrom: "2026-11-02", pausedUntil: null });
    expect(table.at(2)).toMatchObject({ status: "active", pausedFrom: null, pausedUntil: null });
  });

  it("concatenates pages in order and checks the row count it was promised", () => {
    const a = SubjectTable.of([row(1), row(2, { level: "ordinary" })], codeOf);
    const b = SubjectTable.of([row(5, { category: "petitioner" })], codeOf);
    const all = SubjectTable.concat([a, b], codeOf);
    expect([...all].map((s) => [s.id, s.category, s.level])).toEqual([
      [1, "elderly_alone", "key"],
      [2, "elderly_alone", "ordinary"],
      [5, "petitioner", "key"],
    ]);
    const builder = SubjectTable.builder(2, codeOf);
    builder.add(row(1));
    expect(() => builder.build()).toThrow("1 rows added, 2 expected");
  });
});
