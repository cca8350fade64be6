import { formatDayNumber, type LocalDate, toDayNumber } from "../domain/local-date";
import type { VisitColumns } from "../domain/plan-inputs";
import type { GuaranteeRecord, SubjectRecord, SubjectStatus, VisitMethod } from "../domain/records";
import type { CadreRole, RegionLevel } from "../generated/prisma/client";
import { Prisma } from "../generated/prisma/client";
import type { Db } from "./prisma-client";

/**
 * Bulk reads for the daily plan and the jobs: the whole register in a few set-based queries.
 * Pages are keyset-ordered by id and come back as one value per page — tab-separated text
 * (subjects) or fixed-width binary rows, base64-encoded (guarantees, visits) — so a million rows
 * cost a few dozen round trips and no row object on the way in. (base64 text, not bytea: the
 * driver adapter turns a bytea into an array of numbers, ~30 bytes of heap per byte.)
 */

/** A subject as the plan reads it, with its region id (for jurisdictions) next to its code. */
export interface PlanSubject extends SubjectRecord {
  id: number;
  regionId: number;
}

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

/** Reports progress of long reads (rows read so far). */
export type ReadProgress = (what: "subjects" | "guarantees" | "visits", rows: number) => void;

/** Restricts a read to some subjects (one cadre's plan); unset reads everything. */
export interface ReadScope {
  subjectIds?: readonly number[];
  onProgress?: ReadProgress;
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
    onProgress?: ReadProgress;
  }): Promise<PlanSubject[]>;
  /** Guarantees of active cadres that started by `to` and had not ended before `from`. */
  listGuarantees(from: LocalDate, to: LocalDate, scope?: ReadScope): Promise<GuaranteeRecord[]>;
  /**
   * Visits that can count (active, the person was met) with `from ≤ occurredAt ≤ to`, in columns.
   */
  loadVisitColumns(from: Date, to: Date, scope?: ReadScope): Promise<VisitColumns>;
  listRegions(): Promise<PlanRegion[]>;
  /** Active cadres (all, or those with the given ids). */
  listCadres(ids?: readonly number[]): Promise<PlanCadre[]>;
  /** Cadres who recorded (createdAt) or made (occurredAt) a visit in [from, to]. */
  cadresWithVisitsBetween(from: Date, to: Date): Promise<Set<number>>;
}

const SUBJECT_PAGE = 100_000;
const GUARANTEE_PAGE = 200_000;
const VISIT_PAGE = 500_000;
/** Marks an open-ended guarantee in the packed rows. */
const OPEN = -2_147_483_648;

/** A UTC instant as the `timestamp(3)` columns store it (UTC wall time, no zone). */
const utc = (d: Date) => Prisma.sql`(${d.toISOString()}::timestamptz AT TIME ZONE 'UTC')`;

interface TextPage {
  data: string | null;
  n: number;
  last: number | null;
}

/** Decodes a base64 page (PostgreSQL's encode() wraps lines; Node skips the newlines). */
function decodePage(data: string): DataView {
  const bytes = Buffer.from(data, "base64");
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** The same string object for equal values (category, level, status codes of a million rows). */
function createInterner(): (value: string) => string {
  const seen = new Map<string, string>();
  return (value) => {
    const known = seen.get(value);
    if (known !== undefined) return known;
    seen.set(value, value);
    return value;
  };
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

const METHODS: readonly VisitMethod[] = ["in_person", "phone", "video"];

export class PrismaPlanInputRepository implements PlanInputRepository {
  constructor(private readonly db: Db) {}

  async listSubjects(opts: { guarantorId?: number; on?: LocalDate; onProgress?: ReadProgress } = {}) {
    const { onProgress } = opts;
    const mine =
      opts.guarantorId === undefined
        ? Prisma.empty
        : Prisma.sql`AND "id" IN (
            SELECT "subjectId" FROM "Guarantee"
            WHERE "cadreId" = ${opts.guarantorId}
              ${opts.on ? Prisma.sql`AND "startDate" <= ${opts.on}::date AND ("endDate" IS NULL OR "endDate" >= ${opts.on}::date)` : Prisma.empty})`;
    const regionCode = new Map<number, string>();
    for (const r of await this.db.region.findMany({ select: { id: true, code: true } })) {
      regionCode.set(r.id, r.code);
    }
    const managedFrom = await this.managedFromDays(opts.guarantorId);
    const intern = createInterner();
    const dateOf = createDateCache();
    const subjects: PlanSubject[] = [];
    let after = 0;
    for (;;) {
      // One line per subject: id, region, category, level, status, pause days, name (last: it is
      // the only free text; tabs and line breaks in it are replaced).
      const [page] = await this.db.$queryRaw<TextPage[]>`
        SELECT string_agg(concat_ws(E'\t', s."id", s."regionId", s."category", s."level", s."status",
                 COALESCE(s."pausedFrom" - DATE '1970-01-01', ${OPEN}::int4),
                 COALESCE(s."pausedUntil" - DATE '1970-01-01', ${OPEN}::int4),
                 translate(s."name", E'\t\n\r', '   ')), E'\n') AS data,
               count(*)::int AS n, max(s."id") AS last
        FROM (
          SELECT "id", "name", "regionId", "category", "level", "status", "pausedFrom", "pausedUntil"
          FROM "Subject"
          WHERE "id" > ${after} AND "status" <> 'closed' ${mine}
          ORDER BY "id"
          LIMIT ${SUBJECT_PAGE}
        ) s`;
      if (!page?.data || page.n === 0 || page.last === null) break;
      for (const line of page.data.split("\n")) {
        const f = line.split("\t");
        const id = Number(f[0]);
        const regionId = Number(f[1]);
        subjects.push(
          toPlanSubject({
            id,
            name: f.slice(7).join("\t"),
            regionId,
            regionCode: regionCode.get(regionId) ?? "",
            category: intern(f[2] ?? ""),
            level: intern(f[3] ?? ""),
            status: intern(f[4] ?? ""),
            pausedFrom: dateOf(Number(f[5])),
            pausedUntil: dateOf(Number(f[6])),
            managedFrom: dateOf(managedFrom.get(id) ?? OPEN),
          }),
        );
      }
      after = page.last;
      onProgress?.("subjects", subjects.length);
      if (page.n < SUBJECT_PAGE) break;
    }
    return subjects;
  }

  /** First guarantee day per subject (all guarantees, ended ones included), in one query. */
  private async managedFromDays(guarantorId?: number): Promise<Map<number, number>> {
    const mine =
      guarantorId === undefined
        ? Prisma.empty
        : Prisma.sql`WHERE "subjectId" IN (SELECT "subjectId" FROM "Guarantee" WHERE "cadreId" = ${guarantorId})`;
    const [row] = await this.db.$queryRaw<{ data: string | null }[]>`
      SELECT encode(string_agg(int4send(x."subjectId") || int4send(x.day), ''::bytea), 'base64') AS data
      FROM (SELECT "subjectId", min("startDate") - DATE '1970-01-01' AS day FROM "Guarantee" ${mine} GROUP BY 1) x`;
    const days = new Map<number, number>();
    if (!row?.data) return days;
    const view = decodePage(row.data);
    for (let offset = 0; offset < view.byteLength; offset += 8) {
      days.set(view.getInt32(offset), view.getInt32(offset + 4));
    }
    return days;
  }

  async listGuarantees(from: LocalDate, to: LocalDate, scope: ReadScope = {}) {
    const { onProgress } = scope;
    const only = scope.subjectIds
      ? Prisma.sql`AND g."subjectId" = ANY(${[...scope.subjectIds]}::int[])`
      : Prisma.empty;
    const guarantees: GuaranteeRecord[] = [];
    const dateOf = createDateCache();
    let after = 0;
    for (;;) {
      const [page] = await this.db.$queryRaw<TextPage[]>`
        SELECT encode(string_agg(
                 int4send(g."subjectId") || int4send(g."cadreId") ||
                 int4send(g."startDate" - DATE '1970-01-01') ||
                 int4send(COALESCE(g."endDate" - DATE '1970-01-01', ${OPEN}::int4)),
                 ''::bytea), 'base64') AS data,
               count(*)::int AS n, max(g."id") AS last
        FROM (
          SELECT g."id", g."subjectId", g."cadreId", g."startDate", g."endDate"
          FROM "Guarantee" g
          JOIN "Cadre" c ON c."id" = g."cadreId" AND c."active"
          WHERE g."id" > ${after}
            AND g."startDate" <= ${to}::date
            AND (g."endDate" IS NULL OR g."endDate" >= ${from}::date)
            ${only}
          ORDER BY g."id"
          LIMIT ${GUARANTEE_PAGE}
        ) g`;
      if (!page?.data || page.n === 0 || page.last === null) break;
      const view = decodePage(page.data);
      for (let offset = 0; offset < view.byteLength; offset += 16) {
        guarantees.push({
          subjectId: view.getInt32(offset),
          cadreId: view.getInt32(offset + 4),
          startDate: dateOf(view.getInt32(offset + 8)),
          endDate: dateOf(view.getInt32(offset + 12)),
        });
      }
      after = page.last;
      onProgress?.("guarantees", guarantees.length);
      if (page.n < GUARANTEE_PAGE) break;
    }
    return guarantees;
  }

  async loadVisitColumns(from: Date, to: Date, scope: ReadScope = {}) {
    const { onProgress } = scope;
    const only = scope.subjectIds
      ? Prisma.sql`AND "subjectId" = ANY(${[...scope.subjectIds]}::int[])`
      : Prisma.empty;
    const pages: DataView[] = [];
    let length = 0;
    let after = 0;
    for (;;) {
      // 17 bytes a visit: subject, cadre, occurredAt in epoch ms (float8), method (0/1/2).
      const [page] = await this.db.$queryRaw<TextPage[]>`
        SELECT encode(string_agg(
                 int4send(v."subjectId") || int4send(v."cadreId") ||
                 float8send(date_part('epoch', v."occurredAt") * 1000) ||
                 CASE v."method" WHEN 'in_person' THEN '\\x00'::bytea WHEN 'phone' THEN '\\x01'::bytea
                                 ELSE '\\x02'::bytea END,
                 ''::bytea), 'base64') AS data,
               count(*)::int AS n, max(v."id") AS last
        FROM (
          SELECT "id", "subjectId", "cadreId", "occurredAt", "method"
          FROM "Visit"
          WHERE "id" > ${after}
            AND "occurredAt" >= ${utc(from)} AND "occurredAt" <= ${utc(to)}
            AND "status" = 'active' AND "outcome" <> 'not_met'
            ${only}
          ORDER BY "id"
          LIMIT ${VISIT_PAGE}
        ) v`;
      if (!page?.data || page.n === 0 || page.last === null) break;
      pages.push(decodePage(page.data));
      length += page.n;
      after = page.last;
      onProgress?.("visits", length);
      if (page.n < VISIT_PAGE) break;
    }
    const subjectIds = new Int32Array(length);
    const cadreIds = new Int32Array(length);
    const occurredAtMs = new Float64Array(length);
    const methods = new Array<VisitMethod>(length);
    let i = 0;
    for (const view of pages) {
      for (let offset = 0; offset < view.byteLength; offset += 17, i++) {
        subjectIds[i] = view.getInt32(offset);
        cadreIds[i] = view.getInt32(offset + 4);
        occurredAtMs[i] = view.getFloat64(offset + 8);
        methods[i] = METHODS[view.getUint8(offset + 16)] ?? "video";
      }
    }
    // Typed arrays of ids: `Id` is number here, and the domain reads them by index only.
    return {
      length,
      subjectIds: subjectIds as ArrayLike<number>,
      cadreIds: cadreIds as ArrayLike<number>,
      occurredAtMs,
      methods,
    };
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
        roles = roleText === "" ? [] : (roleText.split(",") as CadreRole[]);
        roleSets.set(roleText, roles);
      }
      return {
        id: Number(f[0]),
        homeRegionId: Number(f[1]),
        scopeRegionId: Number(f[2]),
        roles,
        userid: f[4] ?? "",
        name: f[5] ?? "",
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

/**
 * A stored subject as the domain reads it. A pause with an end date is stored with status
 * `paused`; the domain reads `paused` as open-ended, so such a subject is handed over as active
 * with its pause interval (the domain's "finished or scheduled pause").
 */
export function toPlanSubject(row: {
  id: number;
  name: string;
  regionId: number;
  regionCode: string;
  category: string;
  level: string;
  status: string;
  pausedFrom: LocalDate | null;
  pausedUntil: LocalDate | null;
  managedFrom: LocalDate | null;
}): PlanSubject {
  let status = row.status as SubjectStatus;
  if (status === "paused" && row.pausedUntil) status = "active";
  // A resume on the day a pause began leaves an empty interval: no pause at all.
  const empty =
    row.pausedFrom !== null &&
    row.pausedUntil !== null &&
    toDayNumber(row.pausedUntil) < toDayNumber(row.pausedFrom);
  return {
    id: row.id,
    name: row.name,
    regionId: row.regionId,
    regionCode: row.regionCode,
    category: row.category as PlanSubject["category"],
    level: row.level,
    status,
    pausedFrom: empty ? null : row.pausedFrom,
    pausedUntil: empty ? null : row.pausedUntil,
    managedFrom: row.managedFrom,
  };
}
