import type { CadencePolicy } from "../domain/policy";
import type { Prisma } from "../generated/prisma/client";
import type { Db } from "./prisma-client";

export interface ListItem {
  n: number;
  subjectId: number;
  name: string;
}

export interface CadreListRow {
  id: number;
  kind: string;
  date: string;
  items: ListItem[];
  createdAt: Date;
}

export interface PendingQuestion {
  kind: string;
  payload: Record<string, unknown>;
  expiresAt: Date;
}

/** A subject a cadre guarantees, with what disambiguation needs. */
export interface GuaranteedSubject {
  id: number;
  name: string;
  category: string;
  level: string;
  status: string;
  regionId: number;
  regionName: string;
  birthYear: number | null;
}

export interface PolicyContext {
  subject: { category: CadencePolicy["category"]; level: string; regionCode: string };
  /** The subject's region code and its ancestors' codes, nearest first. */
  ancestors: string[];
  policies: CadencePolicy[];
}

export interface JurisdictionStats {
  visits: number;
  abnormal: number;
  notMet: number;
  openIncidents: number;
  subjects: number;
  paused: number;
}

export interface ConversationRepository {
  /** The newest numbered list the cadre received: what their list numbers refer to. */
  latestList(cadreId: number): Promise<CadreListRow | null>;
  saveList(cadreId: number, kind: string, date: string, items: ListItem[], at: Date): Promise<void>;
  pendingQuestion(cadreId: number, now: Date): Promise<PendingQuestion | null>;
  ask(cadreId: number, question: PendingQuestion): Promise<void>;
  clearQuestion(cadreId: number): Promise<void>;
  /** Subjects the cadre guarantees on `date` (guarantee started and not ended). */
  guaranteedSubjects(cadreId: number, date: Date): Promise<GuaranteedSubject[]>;
  /** Whether the cadre guarantees the subject on `date`. */
  guarantees(cadreId: number, subjectId: number, date: Date): Promise<boolean>;
  /** What resolving a subject's cadence policy needs: the subject, its region chain, candidate rows. */
  policyContext(subjectId: number): Promise<PolicyContext | null>;
  /** Today's figures for a jurisdiction (region subtree by path prefix). */
  jurisdictionStats(regionPathPrefix: string, since: Date): Promise<JurisdictionStats>;
  /** Subjects with this exact name inside a region subtree (for incidents). */
  findSubjectsByName(
    name: string,
    regionPathPrefix: string,
  ): Promise<{ id: number; name: string; regionId: number; category: string }[]>;
}

export class PrismaConversationRepository implements ConversationRepository {
  constructor(private readonly db: Db) {}

  async latestList(cadreId: number) {
    const row = await this.db.cadreList.findFirst({
      where: { cadreId },
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      select: { id: true, kind: true, date: true, items: true, createdAt: true },
    });
    return row ? { ...row, items: row.items as unknown as ListItem[] } : null;
  }

  async saveList(cadreId: number, kind: string, date: string, items: ListItem[], at: Date) {
    await this.db.cadreList.create({
      data: { cadreId, kind, date, items: items as unknown as Prisma.InputJsonValue, createdAt: at },
    });
  }

  async pendingQuestion(cadreId: number, now: Date) {
    const row = await this.db.conversationState.findUnique({ where: { cadreId } });
    if (!row || row.expiresAt <= now) return null;
    return { kind: row.kind, payload: row.payload as Record<string, unknown>, expiresAt: row.expiresAt };
  }

  async ask(cadreId: number, q: PendingQuestion) {
    const data = { kind: q.kind, payload: q.payload as Prisma.InputJsonValue, expiresAt: q.expiresAt };
    await this.db.conversationState.upsert({
      where: { cadreId },
      create: { cadreId, ...data },
      update: data,
    });
  }

  async clearQuestion(cadreId: number) {
    await this.db.conversationState.deleteMany({ where: { cadreId } });
  }

  async guaranteedSubjects(cadreId: number, date: Date) {
    const rows = await this.db.guarantee.findMany({
      where: { cadreId, startDate: { lte: date }, OR: [{ endDate: null }, { endDate: { gte: date } }] },
      select: {
        subject: {
          select: {
            id: true,
            name: true,
            category: true,
            level: true,
            status: true,
            regionId: true,
            birthDate: true,
            region: { select: { name: true } },
          },
        },
      },
    });
    const seen = new Set<number>();
    const out: GuaranteedSubject[] = [];
    for (const { subject: s } of rows) {
      if (seen.has(s.id) || s.status === "closed") continue;
      seen.add(s.id);
      out.push({
        id: s.id,
        name: s.name,
        category: s.category,
        level: s.level,
        status: s.status,
        regionId: s.regionId,
        regionName: s.region.name,
        birthYear: s.birthDate ? s.birthDate.getUTCFullYear() : null,
      });
    }
    return out.sort((a, b) => a.id - b.id);
  }

  async guarantees(cadreId: number, subjectId: number, date: Date) {
    const n = await this.db.guarantee.count({
      where: {
        cadreId,
        subjectId,
        startDate: { lte: date },
        OR: [{ endDate: null }, { endDate: { gte: date } }],
      },
    });
    return n > 0;
  }

  findSubjectsByName(name: string, regionPathPrefix: string) {
    return this.db.subject.findMany({
      where: { name, status: { not: "closed" }, region: { path: { startsWith: regionPathPrefix } } },
      select: { id: true, name: true, regionId: true, category: true },
      take: 10,
    });
  }

  async policyContext(subjectId: number) {
    const s = await this.db.subject.findUnique({
      where: { id: subjectId },
      select: { category: true, level: true, region: { select: { code: true, path: true } } },
    });
    if (!s) return null;
    const ids = s.region.path.split("/").filter(Boolean).map(Number);
    const regions = await this.db.region.findMany({
      where: { id: { in: ids } },
      select: { id: true, code: true },
    });
    const ancestors = ids
      .reverse()
      .map((id) => regions.find((r) => r.id === id)?.code)
      .filter((c): c is string => !!c);
    const rows = await this.db.cadencePolicy.findMany({
      where: { category: s.category },
      select: {
        regionCode: true,
        category: true,
        level: true,
        method: true,
        period: true,
        intervalDays: true,
        minCount: true,
        rule: true,
        source: true,
      },
    });
    return {
      subject: { category: s.category, level: s.level, regionCode: s.region.code },
      ancestors,
      policies: rows,
    };
  }

  async jurisdictionStats(regionPathPrefix: string, since: Date) {
    const inRegion = { region: { path: { startsWith: regionPathPrefix } } };
    const visitWhere = { status: "active" as const, occurredAt: { gte: since }, subject: inRegion };
    const [visits, abnormal, notMet, openIncidents, subjects, paused] = await Promise.all([
      this.db.visit.count({ where: visitWhere }),
      this.db.visit.count({ where: { ...visitWhere, outcome: "abnormal" } }),
      this.db.visit.count({ where: { ...visitWhere, outcome: "not_met" } }),
      this.db.incident.count({ where: { status: { not: "closed" }, ...inRegion } }),
      this.db.subject.count({ where: { status: { not: "closed" }, ...inRegion } }),
      this.db.subject.count({ where: { status: "paused", ...inRegion } }),
    ]);
    return { visits, abnormal, notMet, openIncidents, subjects, paused };
  }
}
