import { formatDayNumber, type LocalDate } from "../domain/local-date";
import type { VisitColumns } from "../domain/plan-inputs";
import type { GuaranteeRecord } from "../domain/records";
import type { CadreRole, RegionLevel } from "../generated/prisma/client";
import { Prisma } from "../generated/prisma/client";
import { detached } from "./detached-string";
import type { Db } from "./prisma-client";
import { GroupedVisits, SUBJECT_GROUP_SPAN, type VisitChunk } from "./grouped-visits";
import { SubjectTable } from "./subject-table";

/**
 * Bulk reads for the daily plan and the jobs: the whole register in a few set-based queries.
 * Tables are read in id ranges (a few at a time, on separate connections) and each range comes
 * back as one value — tab-separated text (subjects, cadres) or fixed-width binary rows,
 * base64-encoded (guarantees, visits) — so a million rows cost a few dozen round trips and no
 * row object on the way in. (base64 text, not bytea: the
 * driver adapter turns a bytea into an array of numbers, ~30 bytes of heap per byte.)
 */

export type { PlanSubject } from "./subject-table";
export { SubjectTable };

export interface PlanRegion {
  id: number;
  code: string;
  name: string;
  level: RegionLevel;
  parentId: number | null;
  /** Materialised path of ids, `/1/4/17/`. */
  path: string;
}

export interface PlanCadre {
  id: number;
  userid: string;
  name: string;
  roles: CadreRole[];
  homeRegionId: number;
  scopeRegionId: number;
}

/**
 * Guarantees in typed arrays (16 bytes each instead of an object), read by iterating: the plan
 * and the close-out index them once, so a million records never exist at the same time.
 */
export class PackedGuarantees implements Iterable<GuaranteeRecord> {
  constructor(
    readonly length: number,
    private readonly columns: {
      subjectIds: Int32Array;
      cadreIds: Int32Array;
      /** Day numbers; OPEN for no end date. */
      startDays: Int32Array;
      endDays: Int32Array;
    },
  ) {}

  *[Symbol.iterator](): Iterator<GuaranteeRecord> {
    const dateOf = createDateCache();
    const { subjectIds, cadreIds, startDays, endDays } = this.columns;
    for (let i = 0; i < this.length; i++) {
      yield {
        subjectId: subjectIds[i] as number,
        cadreId: cadreIds[i] as number,
        startDate: dateOf(startDays[i] as number),
        endDate: dateOf(endDays[i] as number),
      };
    }
  }

  /** The distinct cadres with a guarantee here. */
  cadres(): number[] {
    return [...new Set(this.columns.cadreIds)];
  }

  /** Splits by `partOf(subjectId)` (0 … parts − 1; other values are dropped), keeping the order. */
  partition(parts: number, partOf: (subjectId: number) => number): PackedGuarantees[] {
    const { subjectIds, cadreIds, startDays, endDays } = this.columns;
    const part = new Int32Array(this.length);
    const sizes = new Array<number>(parts).fill(0);
    for (let i = 0; i < this.length; i++) {
      const p = partOf(subjectIds[i] as number);
      part[i] = p;
      if (p >= 0 && p < parts) sizes[p] = (sizes[p] ?? 0) + 1;
    }
    const out = sizes.map((size) => ({
      size,
      filled: 0,
      columns: {
        subjectIds: new Int32Array(size),
        cadreIds: new Int32Array(size),
        startDays: new Int32Array(size),
        endDays: new Int32Array(size),
      },
    }));
    for (let i = 0; i < this.length; i++) {
      const target = out[part[i] as number];
      if (!target) continue;
      const j = target.filled++;
      target.columns.subjectIds[j] = subjectIds[i] as number;
      target.columns.cadreIds[j] = cadreIds[i] as number;
      target.columns.startDays[j] = startDays[i] as number;
      target.columns.endDays[j] = endDays[i] as number;
    }
    return out.map((o) => new PackedGuarantees(o.size, o.columns));
  }
}

/** Reports progress of long reads (rows read so far). */
export type ReadProgress = (what: "subjects" | "guarantees" | "visits", rows: number) => void;

/** Restricts a read to some subjects (one cadre's plan); unset reads everything. */
export interface ReadScope {
  subjectIds?: readonly number[];
  onProgress?: ReadProgress;
}

export { GroupedVisits, SUBJECT_GROUP_SPAN, type VisitChunk };

/** The columns of one visit group (joined from the pages it arrived in). */
export function visitGroup(visits: GroupedVisits, group: number): VisitColumns {
  return visits.group(group);
}

export interface PlanInputRepository {
  /**
   * Every subject that is not closed, by id — or only those `guarantorId` guarantees on `on`.
   * A subject's `managedFrom` is the first day of its earliest guarantee: a person is under 包保
   * from the day someone is responsible for them.
   */
  listSubjects(opts?: {
    guarantorId?: number;
    on?: LocalDate;
    /** Only subjects whose region lies in this subtree (`Region.path` prefix, `/1/4/`). */
    regionPath?: string;
    /** Only these subjects (the people some stored misses are about). */
    subjectIds?: readonly number[];
    onProgress?: ReadProgress;
  }): Promise<SubjectTable>;
  /** Guarantees of active cadres that started by `to` and had not ended before `from`. */
  listGuarantees(from: LocalDate, to: LocalDate, scope?: ReadScope): Promise<PackedGuarantees>;
  /**
   * Visits that can count (active, the person was met) with `from ≤ occurredAt ≤ to`, in columns.
   */
  loadVisitColumns(from: Date, to: Date, scope?: ReadScope): Promise<GroupedVisits>;
  listRegions(): Promise<PlanRegion[]>;
  /** Active cadres (all, or those with the given ids). */
  listCadres(ids?: readonly number[]): Promise<PlanCadre[]>;
  /** Cadres who recorded (createdAt) or made (occurredAt) a visit in [from, to]. */
  cadresWithVisitsBetween(from: Date, to: Date): Promise<Set<number>>;
}

/** Ids per range read (subjects and guarantees: all rows count; visits: ~40% in a plan window). */
const SUBJECT_SPAN = 100_000;
const GUARANTEE_SPAN = 250_000;
const VISIT_SPAN = 1_000_000;
/** Range reads in flight at once (the embedded database queues them). */
const READ_CONCURRENCY = 3;

type IdTable = "Subject" | "Guarantee" | "Visit";

/** Runs `fn` over `items` with at most `limit` calls in flight; results in item order. */
async function mapLimited<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const lane = async () => {
    for (let i = next++; i < items.length; i = next++) results[i] = await fn(items[i] as T);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, lane));
  return results;
}
/** Marks an open-ended guarantee in the packed rows. */
const OPEN = -2_147_483_648;

/** A UTC instant as the `timestamp(3)` columns store it (UTC wall time, no zone). */
const utc = (d: Date) => Prisma.sql`(${d.toISOString()}::timestamptz AT TIME ZONE 'UTC')`;

interface TextPage {
  data: string | null;
  n: number;
  last: number | null;
}

/** A LIKE pattern matching `value` literally (paths hold digits and slashes; escaped anyway). */
function likeEscape(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/**
 * A base64 decoder into one buffer reused from page to page (grown as needed): a page's bytes
 * are valid until the next call, so the caller reads them before it awaits anything.
 */
function createScratch(): (data: string) => DataView {
  let buffer = Buffer.alloc(0);
  return (data) => {
    const needed = Buffer.byteLength(data, "base64");
    if (buffer.byteLength < needed) buffer = Buffer.allocUnsafe(Math.max(needed, buffer.byteLength * 2));
    const written = buffer.write(data, 0, "base64");
    return new DataView(buffer.buffer, buffer.byteOffset, written);
  };
}

/** Decodes a base64 page (PostgreSQL's encode() wraps lines; Node skips the newlines). */
function decodePage(data: string): DataView {
  const bytes = Buffer.from(data, "base64");
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Day number → `YYYY-MM-DD`, cached (many rows share a date); OPEN → null. */
function createDateCache(): (day: number) => LocalDate | null {
  const dates = new Map<number, LocalDate>();
  return (day) => {
    if (day === OPEN) return null;
    let date = dates.get(day);
    if (date === undefined) {
      date = formatDayNumber(day);
      dates.set(day, date);
    }
    return date;
  };
}

/** The method byte of an in-person visit in the packed rows (0 in person, 1 phone, 2 video). */
const IN_PERSON = 0;

export class PrismaPlanInputRepository implements PlanInputRepository {
  constructor(private readonly db: Db) {}

  /** Consecutive id ranges [lo, hi] of `span` ids covering the table (none when it is empty). */
  private async idSpans(table: IdTable, span: number): Promise<[number, number][]> {
    const [row] = await this.db.$queryRaw<{ lo: number | null; hi: number | null }[]>`
      SELECT min("id") AS lo, max("id") AS hi FROM ${Prisma.raw(`"${table}"`)}`;
    if (row?.lo == null || row.hi == null) return [];
    const spans: [number, number][] = [];
    for (let lo = row.lo; lo <= row.hi; lo += span) spans.push([lo, Math.min(row.hi, lo + span - 1)]);
    return spans;
  }

  async listSubjects(
    opts: {
      guarantorId?: number;
      on?: LocalDate;
      regionPath?: string;
      subjectIds?: readonly number[];
      onProgress?: ReadProgress;
    } = {},
  ) {
    const { onProgress } = opts;
    const guaranteed =
      opts.guarantorId === undefined
        ? Prisma.empty
        : Prisma.sql`AND "id" IN (
            SELECT "subjectId" FROM "Guarantee"
            WHERE "cadreId" = ${opts.guarantorId}
              ${opts.on ? Prisma.sql`AND "startDate" <= ${opts.on}::date AND ("endDate" IS NULL OR "endDate" >= ${opts.on}::date)` : Prisma.empty})`;
    // A jurisdiction: the subtree's regions by path prefix (LIKE on the unique path index).
    const inRegion =
      opts.regionPath === undefined
        ? Prisma.empty
        : Prisma.sql`AND s."regionId" IN (SELECT "id" FROM "Region" WHERE "path" LIKE ${`${likeEscape(opts.regionPath)}%`})`;
    const listed =
      opts.subjectIds === undefined
        ? Prisma.empty
        : Prisma.sql`AND s."id" = ANY(${[...opts.subjectIds]}::int[])`;
    const mine = Prisma.sql`${guaranteed} ${inRegion} ${listed}`;
    const regionCode = new Map<number, string>();
    for (const r of await this.db.region.findMany({ select: { id: true, code: true } })) {
      regionCode.set(r.id, r.code);
    }
    const codeOf = (regionId: number) => regionCode.get(regionId) ?? "";
    const scoped =
      opts.guarantorId !== undefined || opts.regionPath !== undefined || opts.subjectIds !== undefined;
    const [managedFrom, spans] = await Promise.all([
      this.managedFromDays(opts.guarantorId, opts.regionPath, opts.subjectIds),
      scoped ? Promise.resolve([null]) : this.idSpans("Subject", SUBJECT_SPAN),
    ]);
    let read = 0;
    const chunks = await mapLimited(spans, READ_CONCURRENCY, async (span) => {
      const range = span ? Prisma.sql`AND "id" BETWEEN ${span[0]} AND ${span[1]}` : Prisma.empty;
      // One line per subject: id, region, category, level, status, pause days, name (last: it is
      // the only free text; tabs and line breaks in it are replaced).
      const [page] = await this.db.$queryRaw<TextPage[]>`
        SELECT string_agg(concat_ws(E'\t', s."id", s."regionId", s."category", s."level", s."status",
                 COALESCE(s."pausedFrom" - DATE '1970-01-01', ${OPEN}::int4),
                 COALESCE(s."pausedUntil" - DATE '1970-01-01', ${OPEN}::int4),
                 translate(s."name", E'\t\n\r', '   ')), E'\n' ORDER BY s."id") AS data,
               count(*)::int AS n, max(s."id") AS last
        FROM "Subject" s
        WHERE s."status" <> 'closed' ${range} ${mine}`;
      if (!page?.data) return null;
      const lines = page.data.split("\n");
      const table = SubjectTable.builder(lines.length, codeOf);
      for (const line of lines) {
        const f = line.split("\t");
        const id = Number(f[0]);
        table.add({
          id,
          name: detached(f.slice(7).join("\t")),
          regionId: Number(f[1]),
          category: f[2] ?? "",
          level: f[3] ?? "",
          status: f[4] ?? "",
          pausedFromDay: Number(f[5]),
          pausedUntilDay: Number(f[6]),
          managedFromDay: managedFrom(id),
        });
      }
      read += lines.length;
      onProgress?.("subjects", read);
      return table.build();
    });
    const tables = chunks.filter((t): t is SubjectTable => t !== null);
    if (tables.length === 1) return tables[0] as SubjectTable;
    return SubjectTable.concat(tables, codeOf);
  }

  /**
   * First guarantee day per subject (all guarantees, ended ones included), in one query: a
   * lookup by subject id (a typed array for the usual dense ids), OPEN when there is none.
   */
  private async managedFromDays(
    guarantorId?: number,
    regionPath?: string,
    subjectIds?: readonly number[],
  ): Promise<(subjectId: number) => number> {
    const mine =
      subjectIds !== undefined
        ? Prisma.sql`WHERE "subjectId" = ANY(${[...subjectIds]}::int[])`
        : guarantorId !== undefined
          ? Prisma.sql`WHERE "subjectId" IN (SELECT "subjectId" FROM "Guarantee" WHERE "cadreId" = ${guarantorId})`
          : regionPath !== undefined
            ? Prisma.sql`WHERE "subjectId" IN (SELECT s."id" FROM "Subject" s JOIN "Region" r ON r."id" = s."regionId"
                                             WHERE r."path" LIKE ${`${likeEscape(regionPath)}%`})`
            : Prisma.empty;
    const [row] = await this.db.$queryRaw<{ data: string | null; top: number | null }[]>`
      SELECT encode(string_agg(int4send(x."subjectId") || int4send(x.day), ''::bytea), 'base64') AS data,
             max(x."subjectId") AS top
      FROM (SELECT "subjectId", min("startDate") - DATE '1970-01-01' AS day FROM "Guarantee" ${mine} GROUP BY 1) x`;
    if (!row?.data || row.top === null) return () => OPEN;
    const view = decodePage(row.data);
    const count = view.byteLength / 8;
    if (row.top < 4 * count + 1_000_000) {
      const days = new Int32Array(row.top + 1).fill(OPEN);
      for (let offset = 0; offset < view.byteLength; offset += 8)
        days[view.getInt32(offset)] = view.getInt32(offset + 4);
      return (id) => (id >= 0 && id < days.length ? (days[id] ?? OPEN) : OPEN);
    }
    const days = new Map<number, number>();
    for (let offset = 0; offset < view.byteLength; offset += 8)
      days.set(view.getInt32(offset), view.getInt32(offset + 4));
    return (id) => days.get(id) ?? OPEN;
  }

  async listGuarantees(from: LocalDate, to: LocalDate, scope: ReadScope = {}) {
    const { onProgress } = scope;
    const only = scope.subjectIds
      ? Prisma.sql`AND g."subjectId" = ANY(${[...scope.subjectIds]}::int[])`
      : Prisma.empty;
    const spans = scope.subjectIds ? [null] : await this.idSpans("Guarantee", GUARANTEE_SPAN);
    let read = 0;
    const pages = await mapLimited(spans, READ_CONCURRENCY, async (span) => {
      const range = span ? Prisma.sql`AND g."id" BETWEEN ${span[0]} AND ${span[1]}` : Prisma.empty;
      // 16 bytes a guarantee: subject, cadre, start day, end day (OPEN when none).
      const [page] = await this.db.$queryRaw<TextPage[]>`
        SELECT encode(string_agg(
                 int4send(g."subjectId") || int4send(g."cadreId") ||
                 int4send(g."startDate" - DATE '1970-01-01') ||
                 int4send(COALESCE(g."endDate" - DATE '1970-01-01', ${OPEN}::int4)),
                 ''::bytea), 'base64') AS data,
               count(*)::int AS n, max(g."id") AS last
        FROM "Guarantee" g
        JOIN "Cadre" c ON c."id" = g."cadreId" AND c."active"
        WHERE g."startDate" <= ${to}::date
          AND (g."endDate" IS NULL OR g."endDate" >= ${from}::date)
          ${range} ${only}`;
      if (!page?.data) return null;
      read += page.n;
      onProgress?.("guarantees", read);
      return decodePage(page.data);
    });
    const length = pages.reduce((n, view) => n + (view ? view.byteLength / 16 : 0), 0);
    const columns = {
      subjectIds: new Int32Array(length),
      cadreIds: new Int32Array(length),
      startDays: new Int32Array(length),
      endDays: new Int32Array(length),
    };
    let i = 0;
    for (const view of pages) {
      if (!view) continue;
      for (let offset = 0; offset < view.byteLength; offset += 16, i++) {
        columns.subjectIds[i] = view.getInt32(offset);
        columns.cadreIds[i] = view.getInt32(offset + 4);
        columns.startDays[i] = view.getInt32(offset + 8);
        columns.endDays[i] = view.getInt32(offset + 12);
      }
    }
    return new PackedGuarantees(length, columns);
  }

  async loadVisitColumns(from: Date, to: Date, scope: ReadScope = {}) {
    const { onProgress } = scope;
    const only = scope.subjectIds
      ? Prisma.sql`AND "subjectId" = ANY(${[...scope.subjectIds]}::int[])`
      : Prisma.empty;
    const spans = scope.subjectIds ? [null] : await this.idSpans("Visit", VISIT_SPAN);
    const visits = new GroupedVisits(SUBJECT_GROUP_SPAN);
    const scratch = createScratch();
    await mapLimited(spans, READ_CONCURRENCY, async (span) => {
      const range = span ? Prisma.sql`AND "id" BETWEEN ${span[0]} AND ${span[1]}` : Prisma.empty;
      // 17 bytes a visit: subject, cadre, occurredAt in epoch ms (float8), method (0/1/2).
      const [page] = await this.db.$queryRaw<TextPage[]>`
        SELECT encode(string_agg(
                 int4send("subjectId") || int4send("cadreId") ||
                 float8send(date_part('epoch', "occurredAt") * 1000) ||
                 CASE "method" WHEN 'in_person' THEN '\\x00'::bytea WHEN 'phone' THEN '\\x01'::bytea
                               ELSE '\\x02'::bytea END,
                 ''::bytea), 'base64') AS data,
               count(*)::int AS n, max("id") AS last
        FROM "Visit"
        WHERE "occurredAt" >= ${utc(from)} AND "occurredAt" <= ${utc(to)}
          AND "status" = 'active' AND "outcome" <> 'not_met'
          ${range} ${only}`;
      if (!page?.data) return;
      // Decoded into one reused buffer and sorted into the groups' chunks before the next await:
      // no page stays alive, so the visits are held once while the rest of the pages arrive.
      const view = scratch(page.data);
      visits.addPage(view.byteLength / 17, (i, out) => {
        const offset = i * 17;
        out.subjectId = view.getInt32(offset);
        out.cadreId = view.getInt32(offset + 4);
        out.occurredAtMs = view.getFloat64(offset + 8);
        out.inPerson = view.getUint8(offset + 16) === IN_PERSON ? 1 : 0;
      });
      onProgress?.("visits", visits.length);
    });
    return visits;
  }

  listRegions() {
    return this.db.region.findMany({
      select: { id: true, code: true, name: true, level: true, parentId: true, path: true },
      orderBy: { id: "asc" },
    });
  }

  async listCadres(ids?: readonly number[]) {
    const only = ids ? Prisma.sql`AND "id" = ANY(${[...ids]}::int[])` : Prisma.empty;
    // One line per cadre (text, like subjects): 200,000 Prisma row objects take seconds.
    const [page] = await this.db.$queryRaw<{ data: string | null }[]>`
      SELECT string_agg(concat_ws(E'\t', "id", "homeRegionId", "scopeRegionId", array_to_string("roles", ','),
               translate("userid", E'\t\n\r', '   '), translate("name", E'\t\n\r', '   ')), E'\n' ORDER BY "id") AS data
      FROM "Cadre" WHERE "active" ${only}`;
    if (!page?.data) return [];
    const roleSets = new Map<string, CadreRole[]>();
    return page.data.split("\n").map((line) => {
      const f = line.split("\t");
      const roleText = f[3] ?? "";
      let roles = roleSets.get(roleText);
      if (!roles) {
        roles = roleText === "" ? [] : (roleText.split(",").map(detached) as CadreRole[]);
        roleSets.set(detached(roleText), roles);
      }
      return {
        id: Number(f[0]),
        homeRegionId: Number(f[1]),
        scopeRegionId: Number(f[2]),
        roles,
        userid: detached(f[4] ?? ""),
        name: detached(f[5] ?? ""),
      };
    });
  }

  async cadresWithVisitsBetween(from: Date, to: Date) {
    const rows = await this.db.$queryRaw<{ cadreId: number }[]>`
      SELECT DISTINCT "cadreId" FROM "Visit"
      WHERE "status" = 'active'
        AND (("createdAt" >= ${utc(from)} AND "createdAt" <= ${utc(to)})
          OR ("occurredAt" >= ${utc(from)} AND "occurredAt" <= ${utc(to)}))`;
    return new Set(rows.map((r) => r.cadreId));
  }
}
