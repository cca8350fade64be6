import { formatDayNumber, type LocalDate } from "../domain/local-date";
import type { SubjectRecord, SubjectStatus } from "../domain/records";
import { detached } from "./detached-string";

/** A subject as the plan reads it, with its region id (for jurisdictions) next to its code. */
export interface PlanSubject extends SubjectRecord {
  id: number;
  regionId: number;
}

/** Marks an absent date in the day-number columns. */
export const NO_DAY = -2_147_483_648;

/** One subject as the store reads it, before it goes into a table. */
export interface SubjectRow {
  id: number;
  name: string;
  regionId: number;
  category: string;
  level: string;
  status: string;
  /** Day numbers (days since 1970-01-01), NO_DAY when absent. */
  pausedFromDay: number;
  pausedUntilDay: number;
  managedFromDay: number;
}

interface Columns {
  ids: Int32Array;
  regionIds: Int32Array;
  /** Indexes into `values` (category, level, status: a handful of distinct codes). */
  categories: Uint16Array;
  levels: Uint16Array;
  statuses: Uint16Array;
  pausedFrom: Int32Array;
  pausedUntil: Int32Array;
  managedFrom: Int32Array;
  names: string[];
}

/**
 * The register as the plan reads it, in columns: about 40 bytes and one name a person instead of
 * an object of ten fields (a province's million people stay alive for the whole computation).
 * Records are made on demand — `at(i)`, `slice`, iteration — and are short-lived; ids are in
 * ascending order. Stored pauses are normalised as `toSubjectRecord` describes.
 */
export class SubjectTable implements Iterable<PlanSubject> {
  readonly length: number;
  private readonly dates = new Map<number, LocalDate>();

  private constructor(
    private readonly columns: Columns,
    private readonly values: readonly string[],
    private readonly regionCodeOf: (regionId: number) => string,
  ) {
    this.length = columns.ids.length;
  }

  /** A table of `rows` (ascending ids), with each region id's code from `regionCodeOf`. */
  static of(rows: readonly SubjectRow[], regionCodeOf: (regionId: number) => string): SubjectTable {
    const builder = SubjectTable.builder(rows.length, regionCodeOf);
    for (const row of rows) builder.add(row);
    return builder.build();
  }

  /** Fills a table of exactly `count` rows one at a time (the store's page parser). */
  static builder(count: number, regionCodeOf: (regionId: number) => string) {
    const columns: Columns = {
      ids: new Int32Array(count),
      regionIds: new Int32Array(count),
      categories: new Uint16Array(count),
      levels: new Uint16Array(count),
      statuses: new Uint16Array(count),
      pausedFrom: new Int32Array(count),
      pausedUntil: new Int32Array(count),
      managedFrom: new Int32Array(count),
      names: new Array<string>(count),
    };
    // Category, level and status: each distinct value kept once, as a string of its own (a value
    // cut from a page of text would otherwise keep the whole page alive; see `detached`).
    const values: string[] = [];
    const indexOf = new Map<string, number>();
    const code = (value: string) => {
      let index = indexOf.get(value);
      if (index === undefined) {
        index = values.length;
        const own = detached(value);
        values.push(own);
        indexOf.set(own, index);
      }
      return index;
    };
    let filled = 0;
    return {
      add(row: SubjectRow) {
        const i = filled++;
        const normal = normalisePause(row);
        columns.ids[i] = row.id;
        columns.regionIds[i] = row.regionId;
        columns.categories[i] = code(row.category);
        columns.levels[i] = code(row.level);
        columns.statuses[i] = code(normal.status);
        columns.pausedFrom[i] = normal.pausedFromDay;
        columns.pausedUntil[i] = normal.pausedUntilDay;
        columns.managedFrom[i] = row.managedFromDay;
        columns.names[i] = row.name;
      },
      build(): SubjectTable {
        if (filled !== count) throw new Error(`subject table: ${filled} rows added, ${count} expected`);
        return new SubjectTable(columns, values, regionCodeOf);
      },
    };
  }

  /** The tables one after the other (each in ascending ids, each after the previous). */
  static concat(tables: readonly SubjectTable[], regionCodeOf: (regionId: number) => string): SubjectTable {
    const count = tables.reduce((n, t) => n + t.length, 0);
    const out: Columns = {
      ids: new Int32Array(count),
      regionIds: new Int32Array(count),
      categories: new Uint16Array(count),
      levels: new Uint16Array(count),
      statuses: new Uint16Array(count),
      pausedFrom: new Int32Array(count),
      pausedUntil: new Int32Array(count),
      managedFrom: new Int32Array(count),
      names: new Array<string>(count),
    };
    const values: string[] = [];
    const indexOf = new Map<string, number>();
    let at = 0;
    for (const table of tables) {
      // Each table numbers its values itself: map its codes to the joined table's.
      const remap = table.values.map((value) => {
        let index = indexOf.get(value);
        if (index === undefined) {
          index = values.length;
          values.push(value);
          indexOf.set(value, index);
        }
        return index;
      });
      const c = table.columns;
      out.ids.set(c.ids, at);
      out.regionIds.set(c.regionIds, at);
      out.pausedFrom.set(c.pausedFrom, at);
      out.pausedUntil.set(c.pausedUntil, at);
      out.managedFrom.set(c.managedFrom, at);
      for (let i = 0; i < table.length; i++) {
        out.categories[at + i] = remap[c.categories[i] as number] as number;
        out.levels[at + i] = remap[c.levels[i] as number] as number;
        out.statuses[at + i] = remap[c.statuses[i] as number] as number;
        out.names[at + i] = c.names[i] as string;
      }
      at += table.length;
    }
    return new SubjectTable(out, values, regionCodeOf);
  }

  id(i: number): number {
    return this.columns.ids[i] as number;
  }

  regionId(i: number): number {
    return this.columns.regionIds[i] as number;
  }

  name(i: number): string {
    return this.columns.names[i] as string;
  }

  /** The position of subject `id`, or -1. */
  indexOf(id: number): number {
    const { ids } = this.columns;
    let lo = 0;
    let hi = ids.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const value = ids[mid] as number;
      if (value === id) return mid;
      if (value < id) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  /** The subject at position `i` as a record (a new object each call). */
  at(i: number): PlanSubject {
    const c = this.columns;
    const regionId = c.regionIds[i] as number;
    return {
      id: c.ids[i] as number,
      name: c.names[i] as string,
      regionId,
      regionCode: this.regionCodeOf(regionId),
      category: this.values[c.categories[i] as number] as PlanSubject["category"],
      level: this.values[c.levels[i] as number] as string,
      status: this.values[c.statuses[i] as number] as SubjectStatus,
      pausedFrom: this.date(c.pausedFrom[i] as number),
      pausedUntil: this.date(c.pausedUntil[i] as number),
      managedFrom: this.date(c.managedFrom[i] as number),
    };
  }

  /** Records of positions [start, end). */
  slice(start = 0, end = this.length): PlanSubject[] {
    const out: PlanSubject[] = [];
    for (let i = Math.max(0, start); i < Math.min(end, this.length); i++) out.push(this.at(i));
    return out;
  }

  *[Symbol.iterator](): Iterator<PlanSubject> {
    for (let i = 0; i < this.length; i++) yield this.at(i);
  }

  private date(day: number): LocalDate | null {
    if (day === NO_DAY) return null;
    let date = this.dates.get(day);
    if (date === undefined) {
      date = formatDayNumber(day);
      this.dates.set(day, date);
    }
    return date;
  }
}

/**
 * A stored pause as the domain reads it. A pause with an end date is stored with status `paused`;
 * the domain reads `paused` as open-ended, so such a subject is handed over as active with its
 * pause interval (the domain's "finished or scheduled pause"). A resume on the day a pause began
 * leaves an empty interval: no pause at all.
 */
function normalisePause(row: SubjectRow): { status: string; pausedFromDay: number; pausedUntilDay: number } {
  const status = row.status === "paused" && row.pausedUntilDay !== NO_DAY ? "active" : row.status;
  const empty =
    row.pausedFromDay !== NO_DAY && row.pausedUntilDay !== NO_DAY && row.pausedUntilDay < row.pausedFromDay;
  return empty
    ? { status, pausedFromDay: NO_DAY, pausedUntilDay: NO_DAY }
    : { status, pausedFromDay: row.pausedFromDay, pausedUntilDay: row.pausedUntilDay };
}
