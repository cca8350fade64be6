import type { Db } from "./prisma-client";

/** What a cadre's list numbers refer to. */
export type CadreListKind = "daily" | "tasks" | "week" | "overdue";

/** One numbered line: `n` is what the cadre types (`1 正常`). */
export interface CadreListItem {
  n: number;
  subjectId: number;
  name: string;
}

export interface CadreListRow {
  id: number;
  cadreId: number;
  kind: string;
  /** Local date (BAOBAO_TZ), YYYY-MM-DD. */
  date: string;
  items: CadreListItem[];
  createdAt: Date;
}

export interface NewCadreList {
  cadreId: number;
  kind: CadreListKind;
  date: string;
  items: readonly CadreListItem[];
}

export interface CadreListRepository {
  /** Stores one list; it becomes the cadre's current numbering. */
  save(list: NewCadreList, at: Date): Promise<void>;
  /** Stores many lists in one statement (the daily push). */
  saveMany(lists: readonly NewCadreList[], at: Date): Promise<number>;
  /** The newest list of a cadre (what their numbers mean now), optionally only of one date. */
  latest(cadreId: number, opts?: { date?: string }): Promise<CadreListRow | null>;
  /** The newest list of `date` for each of `cadreIds` (one query). */
  latestForDate(date: string, cadreIds: readonly number[]): Promise<Map<number, CadreListItem[]>>;
}

const select = { id: true, cadreId: true, kind: true, date: true, items: true, createdAt: true } as const;

function toRow(row: {
  id: number;
  cadreId: number;
  kind: string;
  date: string;
  items: unknown;
  createdAt: Date;
}): CadreListRow {
  return { ...row, items: Array.isArray(row.items) ? (row.items as CadreListItem[]) : [] };
}

export class PrismaCadreListRepository implements CadreListRepository {
  constructor(private readonly db: Db) {}

  async save(list: NewCadreList, at: Date) {
    await this.saveMany([list], at);
  }

  async saveMany(lists: readonly NewCadreList[], at: Date) {
    if (lists.length === 0) return 0;
    // One INSERT from one JSON parameter (Prisma's createMany costs ~0.5 ms a row here).
    const rows = lists.map((l) => ({
      cadre: l.cadreId,
      kind: l.kind,
      date: l.date,
      items: l.items.map((i) => ({ n: i.n, subjectId: i.subjectId, name: i.name })),
    }));
    return this.db.$executeRaw`
      INSERT INTO "CadreList" ("cadreId", "kind", "date", "items", "createdAt")
      SELECT x.cadre, x.kind, x.date, x.items, ${at.toISOString()}::timestamptz AT TIME ZONE 'UTC'
      FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS x(cadre int, kind text, date text, items jsonb)`;
  }

  async latest(cadreId: number, opts: { date?: string } = {}) {
    const row = await this.db.cadreList.findFirst({
      where: { cadreId, ...(opts.date ? { date: opts.date } : {}) },
      select,
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    });
    return row ? toRow(row) : null;
  }

  async latestForDate(date: string, cadreIds: readonly number[]) {
    const lists = new Map<number, CadreListItem[]>();
    if (cadreIds.length === 0) return lists;
    const rows = await this.db.$queryRaw<{ cadreId: number; items: unknown }[]>`
      SELECT DISTINCT ON ("cadreId") "cadreId", "items"
      FROM "CadreList"
      WHERE "date" = ${date} AND "cadreId" = ANY(${[...cadreIds]}::int[])
      ORDER BY "cadreId", "createdAt" DESC, "id" DESC`;
    for (const row of rows)
      lists.set(row.cadreId, Array.isArray(row.items) ? (row.items as CadreListItem[]) : []);
    return lists;
  }
}
