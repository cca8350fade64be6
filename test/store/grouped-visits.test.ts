import { GroupedVisits } from "../../src/store/grouped-visits";

type Visit = [subjectId: number, cadreId: number, ms: number, inPerson: number];

function addPage(visits: GroupedVisits, page: Visit[]) {
  visits.addPage(page.length, (i, out) => {
    const v = page[i] as Visit;
    out.subjectId = v[0];
    out.cadreId = v[1];
    out.occurredAtMs = v[2];
    out.inPerson = v[3];
  });
}

const rows = (c: {
  length: number;
  subjectIds: Int32Array;
  cadreIds: Int32Array;
  occurredAtMs: Float64Array;
  inPerson: Uint8Array;
}) =>
  Array.from({ length: c.length }, (_, i) => [
    c.subjectIds[i],
    c.cadreIds[i],
    c.occurredAtMs[i],
    c.inPerson[i],
  ]);

describe("GroupedVisits", () => {
  it("sorts pages into groups by subject id range, keeping page order within a group", () => {
    const visits = new GroupedVisits(10);
    addPage(visits, [
      [3, 1, 100, 1],
      [15, 2, 200, 0],
      [4, 1, 300, 0],
    ]);
    addPage(visits, [
      [25, 3, 400, 1],
      [3, 9, 500, 1],
    ]);
    expect(visits.length).toBe(5);
    expect(visits.groups()).toEqual([0, 1, 2]);
    expect(rows(visits.group(0))).toEqual([
      [3, 1, 100, 1],
      [4, 1, 300, 0],
      [3, 9, 500, 1],
    ]);
    expect(rows(visits.group(1))).toEqual([[15, 2, 200, 0]]);
    expect(rows(visits.group(7))).toEqual([]);
    visits.release(0);
    expect(visits.length).toBe(2);
    expect(visits.groups()).toEqual([1, 2]);
  });

  it("joins everything in group order once, and groups become views of the whole", () => {
    const visits = new GroupedVisits(10);
    addPage(visits, [
      [25, 3, 1, 0],
      [3, 1, 2, 1],
    ]);
    addPage(visits, [[4, 2, 3, 1]]);
    const whole = visits.all();
    expect(rows(whole)).toEqual([
      [3, 1, 2, 1],
      [4, 2, 3, 1],
      [25, 3, 1, 0],
    ]);
    const first = visits.group(0);
    expect(first.subjectIds.buffer).toBe(whole.subjectIds.buffer);
    expect(rows(first)).toEqual([
      [3, 1, 2, 1],
      [4, 2, 3, 1],
    ]);
    expect(rows(visits.group(2))).toEqual([[25, 3, 1, 0]]);
  });
});
