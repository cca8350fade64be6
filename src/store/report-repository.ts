import { dbDateFromLocalDate, type LocalDate, localDateFromDbDate } from "../domain/local-date";
import type { Db } from "./prisma-client";

/**
 * Read-only queries for leader summaries and reports, each for one region subtree (a
 * jurisdiction, given as its `Region.path` prefix; `/` is everything). Rows carry the region id
 * so callers can group them by village or distribute them over several jurisdictions at once.
 */

export interface ReportVisitRow {
  id: number;
  subjectId: number;
  subjectName: string;
  /** Masked ID number (`4206**********1234`); never the full number. */
  idMasked: string | null;
  category: string;
  level: string;
  regionId: number;
  regionName: string;
  cadreName: string;
  occurredAt: Date;
  createdAt: Date;
  method: "in_person" | "phone" | "video";
  outcome: "normal" | "abnormal" | "not_met";
  anomalies: string[];
  note: string | null;
}

export interface ReportIncidentRow {
  id: number;
  severity: "emergency" | "urgent" | "normal";
  status: string;
  summary: string;
  regionId: number;
  regionName: string;
  subjectName: string | null;
  reporterName: string;
  createdAt: Date;
  acknowledgedAt: Date | null;
  closedAt: Date | null;
}

export interface ReportPausedRow {
  subjectId: number;
  name: string;
  regionId: number;
  reason: string | null;
  pausedFrom: LocalDate;
  pausedUntil: LocalDate | null;
}

/** A person's latest contact (active visit, not `not_met`) when it was abnormal with anomalies. */
export interface ReportAbnormalContactRow {
  visitId: number;
  subjectId: number;
  subjectName: string;
  category: string;
  regionId: number;
  regionName: string;
  regionCode: string;
  cadreName: string;
  occurredAt: Date;
  anomalies: string[];
}

/** A missed obligation no late entry has satisfied, of a person under management. */
export interface ReportOpenMissRow {
  subjectId: number;
  subjectName: string;
  regionId: number;
  regionName: string;
  regionCode: string;
  /** `any` or `cadre:<id>` (MissedObligation.scope). */
  scope: string;
  periodKey: string;
  period: string;
}

/** A contact with a person: an active visit that is not `not_met`. */
export interface ReportContactRow {
  subjectId: number;
  cadreId: number;
  occurredAt: Date;
}

export interface ReportRepository {
  /**
   * Active visits in the subtree that happened in [from, to] — with `recordedToo`, also those
   * recorded in [from, to] (late entries a leader has not seen yet) — oldest first. `outcome`
   * restricts to one outcome (e.g. abnormal).
   */
  listVisits(
    regionPath: string,
    from: Date,
    to: Date,
    opts?: { outcome?: ReportVisitRow["outcome"]; recordedToo?: boolean },
  ): Promise<ReportVisitRow[]>;
  /** Incidents in the subtree reported by `to` and not closed before `from`, by id. */
  listIncidents(regionPath: string, from: Date, to: Date): Promise<ReportIncidentRow[]>;
  /**
   * People of the subtree (not closed) whose pause began in [fromDate, toDate], or whose pause
   * was recorded in [fromAt, toAt] (a pause entered late with an earlier start date).
   */
  listNewlyPaused(
    regionPath: string,
    range: { fromDate: LocalDate; toDate: LocalDate; fromAt: Date; toAt: Date },
  ): Promise<ReportPausedRow[]>;
  /**
   * People of the subtree under management (status active) whose latest contact — active visit,
   * any method, by anyone, not `not_met` — was abnormal with anomalies: nobody has been back since.
   * One row per person at most, in region-code order.
   */
  listLatestAbnormalContacts(regionPath: string): Promise<ReportAbnormalContactRow[]>;
  /**
   * MissedObligation rows of these period keys not satisfied by a late entry, for people of the
   * subtree under management, in region-code order (read only: close-out writes them).
   */
  listOpenMisses(regionPath: string, periodKeys: readonly string[]): Promise<ReportOpenMissRow[]>;
  /** Contacts (active visits, not `not_met`) with these people that happened at or after `since`. */
  listContactsSince(subjectIds: readonly number[], since: Date): Promise<ReportContactRow[]>;
}

const inSubtree = (regionPath: string) => ({ path: { startsWith: regionPath } });

export class PrismaReportRepository implements ReportRepository {
  constructor(private readonly db: Db) {}

  async listVisits(
    regionPath: string,
    from: Date,
    to: Date,
    opts: { outcome?: ReportVisitRow["outcome"]; recordedToo?: boolean } = {},
  ): Promise<ReportVisitRow[]> {
    const window = { gte: from, lte: to };
    const rows = await this.db.visit.findMany({
      where: {
        status: "active",
        ...(opts.outcome ? { outcome: opts.outcome } : {}),
        OR: opts.recordedToo ? [{ occurredAt: window }, { createdAt: window }] : [{ occurredAt: window }],
        subject: { region: inSubtree(regionPath) },
      },
      select: {
        id: true,
        occurredAt: true,
        createdAt: true,
        method: true,
        outcome: true,
        anomalies: true,
        note: true,
        cadre: { select: { name: true } },
        subject: {
          select: {
            id: true,
            name: true,
            idMasked: true,
            category: true,
            level: true,
            regionId: true,
            region: { select: { name: true } },
          },
        },
      },
      orderBy: [{ occurredAt: "asc" }, { id: "asc" }],
    });
    return rows.map((r) => ({
      id: r.id,
      subjectId: r.subject.id,
      subjectName: r.subject.name,
      idMasked: r.subject.idMasked,
      category: r.subject.category,
      level: r.subject.level,
      regionId: r.subject.regionId,
      regionName: r.subject.region.name,
      cadreName: r.cadre.name,
      occurredAt: r.occurredAt,
      createdAt: r.createdAt,
      method: r.method,
      outcome: r.outcome,
      anomalies: r.anomalies,
      note: r.note,
    }));
  }

  async listIncidents(regionPath: string, from: Date, to: Date): Promise<ReportIncidentRow[]> {
    const rows = await this.db.incident.findMany({
      where: {
        createdAt: { lte: to },
        OR: [{ closedAt: null }, { closedAt: { gte: from } }],
        region: inSubtree(regionPath),
      },
      select: {
        id: true,
        severity: true,
        status: true,
        summary: true,
        regionId: true,
        createdAt: true,
        acknowledgedAt: true,
        closedAt: true,
        region: { select: { name: true } },
        subject: { select: { name: true } },
        reporter: { select: { name: true } },
      },
      orderBy: { id: "asc" },
    });
    return rows.map((r) => ({
      id: r.id,
      severity: r.severity,
      status: r.status,
      summary: r.summary,
      regionId: r.regionId,
      regionName: r.region.name,
      subjectName: r.subject?.name ?? null,
      reporterName: r.reporter.name,
      createdAt: r.createdAt,
      acknowledgedAt: r.acknowledgedAt,
      closedAt: r.closedAt,
    }));
  }

  async listNewlyPaused(
    regionPath: string,
    range: { fromDate: LocalDate; toDate: LocalDate; fromAt: Date; toAt: Date },
  ): Promise<ReportPausedRow[]> {
    const recorded = await this.db.auditLog.findMany({
      where: { action: "subject.pause", entity: "Subject", at: { gte: range.fromAt, lte: range.toAt } },
      select: { entityId: true },
    });
    const recordedIds = recorded.map((r) => Number(r.entityId)).filter((id) => Number.isInteger(id));
    const rows = await this.db.subject.findMany({
      where: {
        status: { not: "closed" },
        pausedFrom: { not: null },
        region: inSubtree(regionPath),
        OR: [
          {
            pausedFrom: { gte: dbDateFromLocalDate(range.fromDate), lte: dbDateFromLocalDate(range.toDate) },
          },
          ...(recordedIds.length > 0 ? [{ id: { in: recordedIds } }] : []),
        ],
      },
      select: {
        id: true,
        name: true,
        regionId: true,
        pauseReason: true,
        pausedFrom: true,
        pausedUntil: true,
      },
      orderBy: { id: "asc" },
    });
    return rows.flatMap((r) =>
      r.pausedFrom
        ? [
            {
              subjectId: r.id,
              name: r.name,
              regionId: r.regionId,
              reason: r.pauseReason,
              pausedFrom: localDateFromDbDate(r.pausedFrom),
              pausedUntil: r.pausedUntil ? localDateFromDbDate(r.pausedUntil) : null,
            },
          ]
        : [],
    );
  }

  listLatestAbnormalContacts(regionPath: string) {
    return this.db.$queryRaw<ReportAbnormalContactRow[]>`
      SELECT "visitId", "subjectId", "subjectName", "category", "regionId", "regionName", "regionCode",
             "cadreName", "occurredAt", "anomalies"
      FROM (
        SELECT DISTINCT ON (v."subjectId")
               v."id" AS "visitId", v."subjectId", s."name" AS "subjectName", s."category"::text AS "category",
               s."regionId", r."name" AS "regionName", r."code" AS "regionCode", c."name" AS "cadreName",
               v."occurredAt", v."outcome"::text AS "outcome", v."anomalies"
        FROM "Visit" v
        JOIN "Subject" s ON s."id" = v."subjectId"
        JOIN "Region" r ON r."id" = s."regionId"
        JOIN "Cadre" c ON c."id" = v."cadreId"
        WHERE v."status" = 'active' AND v."outcome" <> 'not_met' AND s."status" = 'active'
          AND starts_with(r."path", ${regionPath})
        ORDER BY v."subjectId", v."occurredAt" DESC, v."id" DESC
      ) AS latest
      WHERE "outcome" = 'abnormal' AND cardinality("anomalies") > 0
      ORDER BY "regionCode", "occurredAt", "visitId"`;
  }

  async listOpenMisses(regionPath: string, periodKeys: readonly string[]) {
    if (periodKeys.length === 0) return [];
    return this.db.$queryRaw<ReportOpenMissRow[]>`
      SELECT m."subjectId", s."name" AS "subjectName", s."regionId", r."name" AS "regionName",
             r."code" AS "regionCode", m."scope", m."periodKey", m."period"
      FROM "MissedObligation" m
      JOIN "Subject" s ON s."id" = m."subjectId"
      JOIN "Region" r ON r."id" = s."regionId"
      WHERE m."periodKey" = ANY(${[...new Set(periodKeys)]}::text[]) AND m."satisfiedAt" IS NULL
        AND s."status" = 'active' AND starts_with(r."path", ${regionPath})
      ORDER BY r."code", m."subjectId", m."scope", m."periodKey"`;
  }

  async listContactsSince(subjectIds: readonly number[], since: Date) {
    if (subjectIds.length === 0) return [];
    return this.db.visit.findMany({
      where: {
        subjectId: { in: [...new Set(subjectIds)] },
        status: "active",
        outcome: { not: "not_met" },
        occurredAt: { gte: since },
      },
      select: { subjectId: true, cadreId: true, occurredAt: true },
      orderBy: [{ occurredAt: "asc" }, { id: "asc" }],
    });
  }
}
