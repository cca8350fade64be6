import { formatDayNumber, type LocalDate, toDayNumber } from "../domain/local-date";
import type { VisitColumns } from "../domain/plan-inputs";
import type { GuaranteeRecord, SubjectRecord, SubjectStatus, VisitMethod } from "../domain/records";
import type { CadreRole, RegionLevel } from "../generated/prisma/client";
import { Prisma } from "../generated/prisma/client";
import type { Db } from "./prisma-client";

/**
 * Bulk reads for the daily plan and the jobs: the whole register in a few set-based queries.
 * Pages are keyset-ordered by id and returned as one row of arrays (subjects) or one packed
 * binary blob (guarantees, visits) per page, so a million rows cost a few dozen round trips and
 * no object per row on the way in.
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

export interface PlanInputRepository {
  /**
   * Every subject that is not closed, by id. A subject's `managedFrom` is the first day of its
   * earliest guarantee: a person is under 包保 from the day someone is responsible for them.
   */
  listSubjects(onProgress?: ReadProgress): Promise<PlanSubject[]>;
  /** Guarantees of active cadres that started by `to` and had not ended before `from`. */
  listGuarantees(from: LocalDate, to: LocalDate, onProgress?: ReadProgress): Promise<GuaranteeRecord[]>;
  /**
   * Visits that can count (active, the person was met) with `from ≤ occurredAt ≤ to`, in columns.
   */
  loadVisitColumns(from: Date, to: Date, onProgress?: ReadProgress): Promise<VisitColumns>;
  listRegions(): Promise<PlanRegion[]>;
  /** Active cadres. */
  listCadres(): Promise<PlanCadre[]>;
  /** Cadres who recorded (createdAt) or made (occurredAt) a visit in [from, to]. */
  cadresWithVisitsBetween(from: Date, to: Date): Promise<Set<number>>;
}

const SUBJECT_PAGE = 50_000;
const GUARANTEE_PAGE = 200_000;
const VISIT_PAGE = 500_000;
/** Marks an open-ended guarantee in the packed rows. */
const OPEN = -2_147_483_648;

/** A UTC instant as the `timestamp(3)` columns store it (UTC wall time, no zone). */
const utc = (d: Date) => Prisma.sql`(${d.toISOString()}::timestamptz AT TIME ZONE 'UTC')`;

interface SubjectPage {
  ids: number[] | null;
  names: string[] | null;
  regions: number[] | null;
  categories: string[] | null;
  levels: string[] | null;
  statuses: string[] | null;
  paused_from: (string | null)[] | null;
  paused_until: (string | null)[] | null;
  managed_from: (string | null)[] | null;
}

interface PackedPage {
  data: Uint8Array | null;
  n: number;
  last: number | null;
}

const METHODS: readonly VisitMethod[] = ["in_person", "phone", "video"];

export class PrismaPlanInputRepository implements PlanInputRepository {
  constructor(private readonly db: Db) {}

  async listSubjects(onProgress?: ReadProgress) {
    const regionCode = new Map<number, string>();
    for (const r of await this.db.region.findMany({ select: { id: true, code: true } })) {
      regionCode.set(r.id, r.code);
    }
    const subjects: PlanSubject[] = [];
    let after = 0;
    for (;;) {
      const [page] = await this.db.$queryRaw<SubjectPage[]>`
        SELECT array_agg(s."id") AS ids, array_agg(s."name") AS names, array_agg(s."regionId") AS regions,
               array_agg(s."category"::text) AS categories, array_agg(s."level") AS levels,
               array_agg(s."status"::text) AS statuses,
               array_agg(to_char(s."pausedFrom", 'YYYY-MM-DD')) AS paused_from,
               array_agg(to_char(s."pausedUntil", 'YYYY-MM-DD')) AS paused_until,
               array_agg(to_char(
                 (SELECT min(g."startDate") FROM "Guarantee" g WHERE g."subjectId" = s."id"), 'YYYY-MM-DD'
               )) AS managed_from
        FROM (
          SELECT "id", "name", "regionId", "category", "level", "status", "pausedFrom", "pausedUntil"
          FROM "Subject"
          WHERE "id" > ${after} AND "status" <> 'closed'
          ORDER BY "id"
          LIMIT ${SUBJECT_PAGE}
        ) s`;
      const ids = page?.ids;
      if (!page || !ids || ids.length === 0) break;
      for (let i = 0; i < ids.length; i++) {
        const id = ids[i] as number;
        const regionId = page.regions?.[i] as number;
        subjects.push(
          toPlanSubject({
            id,
            name: page.names?.[i] as string,
            regionId,
            regionCode: regionCode.get(regionId) ?? "",
            category: page.categories?.[i] as string,
            level: page.levels?.[i] as string,
            status: page.statuses?.[i] as string,
            pausedFrom: page.paused_from?.[i] ?? null,
            pausedUntil: page.paused_until?.[i] ?? null,
            managedFrom: page.managed_from?.[i] ?? null,
          }),
        );
      }
      after = ids[ids.length - 1] as number;
      onProgress?.("subjects", subjects.length);
      if (ids.length < SUBJECT_PAGE) break;
    }
    return subjects;
  }

  async listGuarantees(from: LocalDate, to: LocalDate, onProgress?: ReadProgress) {
    const guarantees: GuaranteeRecord[] = [];
    const dates = new Map<number, LocalDate>();
    const dateOf = (day: number): LocalDate | null => {
      if (day === OPEN) return null;
      let date = dates.get(day);
      if (date === undefined) {
        date = formatDayNumber(day);
        dates.set(day, date);
      }
      return date;
    };
    let after = 0;
    for (;;) {
      const [page] = await this.db.$queryRaw<PackedPage[]>`
        SELECT string_agg(
                 int4send(g."subjectId") || int4send(g."cadreId") ||
                 int4send(g."startDate" - DATE '1970-01-01') ||
                 int4send(COALESCE(g."endDate" - DATE '1970-01-01', ${OPEN}::int4)),
                 ''::bytea) AS data,
               count(*)::int AS n, max(g."id") AS last
        FROM (
          SELECT g."id", g."subjectId", g."cadreId", g."startDate", g."endDate"
          FROM "Guarantee" g
          JOIN "Cadre" c ON c."id" = g."cadreId" AND c."active"
          WHERE g."id" > ${after}
            AND g."startDate" <= ${to}::date
            AND (g."endDate" IS NULL OR g."endDate" >= ${from}::date)
          ORDER BY g."id"
          LIMIT ${GUARANTEE_PAGE}
        ) g`;
      if (!page?.data || page.n === 0 || page.last === null) break;
      const view = new DataView(page.data.buffer, page.data.byteOffset, page.data.byteLength);
      for (let offset = 0; offset < page.data.byteLength; offset += 16) {
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

  async loadVisitColumns(from: Date, to: Date, onProgress?: ReadProgress) {
    const pages: Uint8Array[] = [];
    let length = 0;
    let after = 0;
    for (;;) {
      // 17 bytes a visit: subject, cadre, occurredAt in epoch ms (float8), method (0/1/2).
      const [page] = await this.db.$queryRaw<PackedPage[]>`
        SELECT string_agg(
                 int4send(v."subjectId") || int4send(v."cadreId") ||
                 float8send(date_part('epoch', v."occurredAt") * 1000) ||
                 CASE v."method" WHEN 'in_person' THEN '\\x00'::bytea WHEN 'phone' THEN '\\x01'::bytea
                                 ELSE '\\x02'::bytea END,
                 ''::bytea) AS data,
               count(*)::int AS n, max(v."id") AS last
        FROM (
          SELECT "id", "subjectId", "cadreId", "occurredAt", "method"
          FROM "Visit"
          WHERE "id" > ${after}
            AND "occurredAt" >= ${utc(from)} AND "occurredAt" <= ${utc(to)}
            AND "status" = 'active' AND "outcome" <> 'not_met'
          ORDER BY "id"
          LIMIT ${VISIT_PAGE}
        ) v`;
      if (!page?.data || page.n === 0 || page.last === null) break;
      pages.push(page.data);
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
    for (const data of pages) {
      const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
      for (let offset = 0; offset < data.byteLength; offset += 17, i++) {
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

  listCadres() {
    return this.db.cadre.findMany({
      where: { active: true },
      select: { id: true, userid: true, name: true, roles: true, homeRegionId: true, scopeRegionId: true },
      orderBy: { id: "asc" },
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
