import type { CadreRole, Category, Gender, SubjectStatus } from "../generated/prisma/client";
import type { Db } from "./prisma-client";

/**
 * Read-only, paged reads for the two exports (`roster export`, `visits export`): each page is
 * keyed on the last row of the one before, so a county's or a city's register streams through
 * in bounded memory. A region subtree is given as its `Region.path` prefix (`/` is everything).
 */

export interface ExportCadre {
  id: number;
  userid: string;
  name: string;
  mobile: string | null;
  roles: CadreRole[];
  homeRegionId: number;
  scopeRegionId: number;
  active: boolean;
}

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
   * Active visits (neither withdrawn nor superseded) to people of the subtree that happened in
   * [from, to], oldest first, after the (occurredAt, id) of the previous page's last row.
   */
  visitPage(
    regionPath: string,
    range: { from: Date; to: Date },
    after: { occurredAt: Date; id: number } | null,
    limit: number,
  ): Promise<ExportVisit[]>;
  /** The stored message type (`text`, `template_card_event`, …) of these inbound messages. */
  inboundTypes(ids: readonly number[]): Promise<Map<number, { channel: string; msgType: string }>>;
}

const inSubtree = (regionPath: string) => ({ path: { startsWith: regionPath } });

export class PrismaRegisterExportRepository implements RegisterExportRepository {
  constructor(private readonly db: Db) {}

  cadrePage(regionPath: string, afterId: number, limit: number) {
    return this.db.cadre.findMany({
      where: { id: { gt: afterId }, homeRegion: inSubtree(regionPath) },
      select: {
        id: true,
        userid: true,
        name: true,
        mobile: true,
        roles: true,
        homeRegionId: true,
        scopeRegionId: true,
        active: true,
      },
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

  async visitPage(
    regionPath: string,
    range: { from: Date; to: Date },
    after: { occurredAt: Date; id: number } | null,
    limit: number,
  ) {
    const rows = await this.db.visit.findMany({
      where: {
        status: "active",
        occurredAt: { gte: range.from, lte: range.to },
        subject: { region: inSubtree(regionPath) },
        ...(after
          ? {
              OR: [
                { occurredAt: { gt: after.occurredAt } },
                { occurredAt: after.occurredAt, id: { gt: after.id } },
              ],
            }
          : {}),
      },
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
      orderBy: [{ occurredAt: "asc" }, { id: "asc" }],
      take: limit,
    });
    return rows.map((r) => ({
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
    }));
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
