import { CADRE_ROW_SELECT, type CadreRow } from "./cadre-repository";
import type { Category, Gender, SubjectStatus } from "../generated/prisma/client";
import { Prisma } from "../generated/prisma/client";
import type { Db } from "./prisma-client";

/**
 * Read-only, paged reads for the two exports (`roster export`, `visits export`): each page is
 * keyed on the last row of the one before, so a county's or a city's register streams through
 * in bounded memory. A region subtree is given as its `Region.path` prefix (`/` is everything).
 */

/** A cadre as every repository reads it. */
export type ExportCadre = CadreRow;

export interface ExportSubject {
  id: number;
  name: string;
  idMasked: string | null;
  /** The encrypted ID number, only when asked for (`--full-id`). */
  idCipher: string | null;
  gender: Gender;
  birthDate: Date | null;
  phone: string | null;
  address: string | null;
  regionId: number;
  category: Category;
  level: string;
  status: SubjectStatus;
  pauseReason: string | null;
  /** Why a closed person left (死亡, 迁出, or a free reason from `subject close`). */
  closeReason: string | null;
  department: string | null;
  notes: string | null;
  /** Userids of the guarantees open on the given day, primary first. */
  guarantors: string[];
}

export interface ExportVisit {
  id: number;
  subjectId: number;
  subjectName: string;
  idMasked: string | null;
  category: Category;
  level: string;
  regionId: number;
  cadreName: string;
  cadreMobile: string | null;
  occurredAt: Date;
  createdAt: Date;
  method: "in_person" | "phone" | "video";
  outcome: "normal" | "abnormal" | "not_met";
  anomalies: string[];
  note: string | null;
  sourceMessageId: string | null;
  correctsId: number | null;
}

export interface RegisterExportRepository {
  /** Cadres whose home region lies in the subtree, by id, after `afterId`. */
  cadrePage(regionPath: string, afterId: number, limit: number): Promise<ExportCadre[]>;
  /** People registered in the subtree (closed ones too), by id, after `afterId`. */
  subjectPage(
    regionPath: string,
    afterId: number,
    limit: number,
    opts: { on: Date; withCipher: boolean },
  ): Promise<ExportSubject[]>;
  /**
   * Ids of the active visits (neither withdrawn nor superseded) to people of the subtree that
   * happened in [from, to], oldest first: one sorted read, 4 bytes a visit, so the rows can then
   * be read a page at a time by primary key.
   */
  visitIds(regionPath: string, range: { from: Date; to: Date }): Promise<Int32Array>;
  /** These visits (those still active), in the order given. */
  visitPage(ids: ArrayLike<number>): Promise<ExportVisit[]>;
  /** The stored message type (`text`, `template_card_event`, …) of these inbound messages. */
  inboundTypes(ids: readonly number[]): Promise<Map<number, { channel: string; msgType: string }>>;
}

const inSubtree = (regionPath: string) => ({ path: { startsWith: regionPath } });
/** A UTC instant as the `timestamp` columns store it. */
const utc = (d: Date) => Prisma.sql`(${d.toISOString()}::timestamptz AT TIME ZONE 'UTC')`;

export class PrismaRegisterExportRepository implements RegisterExportRepository {
  constructor(private readonly db: Db) {}

  cadrePage(regionPath: string, afterId: number, limit: number) {
    return this.db.cadre.findMany({
      where: { id: { gt: afterId }, homeRegion: inSubtree(regionPath) },
      select: CADRE_ROW_SELECT,
      orderBy: { id: "asc" },
      take: limit,
    });
  }

  async subjectPage(
    regionPath: string,
    afterId: number,
    limit: number,
    opts: { on: Date; withCipher: boolean },
  ) {
    const rows = await this.db.subject.findMany({
      where: { id: { gt: afterId }, region: inSubtree(regionPath) },
      select: {
        id: true,
        name: true,
        idMasked: true,
        idCipher: opts.withCipher,
        gender: true,
        birthDate: true,
        phone: true,
        address: true,
        regionId: true,
        category: true,
        level: true,
        status: true,
        pauseReason: true,
        closeReason: true,
        department: true,
        notes: true,
        guarantees: {
          where: { startDate: { lte: opts.on }, OR: [{ endDate: null }, { endDate: { gte: opts.on } }] },
          select: { cadre: { select: { userid: true } } },
          orderBy: [{ role: "asc" }, { id: "asc" }],
        },
      },
      orderBy: { id: "asc" },
      take: limit,
    });
    return rows.map(({ guarantees, idCipher, ...s }) => ({
      ...s,
      idCipher: idCipher ?? null,
      guarantors: [...new Set(guarantees.map((g) => g.cadre.userid))],
    }));
  }

  async visitIds(regionPath: string, range: { from: Date; to: Date }) {
    const rows = await this.db.$queryRaw<{ ids: number[] | null }[]>`
      SELECT array_agg(v."id" ORDER BY v."occurredAt", v."id") AS "ids"
      FROM "Visit" v
      JOIN "Subject" s ON s."id" = v."subjectId"
      JOIN "Region" r ON r."id" = s."regionId"
      WHERE v."status" = 'active' AND starts_with(r."path", ${regionPath})
        AND v."occurredAt" >= ${utc(range.from)} AND v."occurredAt" <= ${utc(range.to)}`;
    return Int32Array.from(rows[0]?.ids ?? []);
  }

  async visitPage(ids: ArrayLike<number>) {
    if (ids.length === 0) return [];
    const rows = await this.db.visit.findMany({
      where: { id: { in: Array.from(ids) }, status: "active" },
      select: {
        id: true,
        occurredAt: true,
        createdAt: true,
        method: true,
        outcome: true,
        anomalies: true,
        note: true,
        sourceMessageId: true,
        correctsId: true,
        cadre: { select: { name: true, mobile: true } },
        subject: {
          select: { id: true, name: true, idMasked: true, category: true, level: true, regionId: true },
        },
      },
    });
    const byId = new Map(rows.map((r) => [r.id, r]));
    return Array.from(ids).flatMap((id) => {
      const r = byId.get(id);
      return r
        ? [
            {
              id: r.id,
              subjectId: r.subject.id,
              subjectName: r.subject.name,
              idMasked: r.subject.idMasked,
              category: r.subject.category,
              level: r.subject.level,
              regionId: r.subject.regionId,
              cadreName: r.cadre.name,
              cadreMobile: r.cadre.mobile,
              occurredAt: r.occurredAt,
              createdAt: r.createdAt,
              method: r.method,
              outcome: r.outcome,
              anomalies: r.anomalies,
              note: r.note,
              sourceMessageId: r.sourceMessageId,
              correctsId: r.correctsId,
            },
          ]
        : [];
    });
  }

  async inboundTypes(ids: readonly number[]) {
    if (ids.length === 0) return new Map<number, { channel: string; msgType: string }>();
    const rows = await this.db.inboundMessage.findMany({
      where: { id: { in: [...new Set(ids)] } },
      select: { id: true, channel: true, msgType: true },
    });
    return new Map(rows.map((r) => [r.id, { channel: r.channel, msgType: r.msgType }]));
  }
}
