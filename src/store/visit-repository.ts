import type { Prisma, VisitMethod, VisitOutcome } from "../generated/prisma/client";
import type { Db } from "./prisma-client";
import { isUniqueViolation } from "./unique-violation";

export interface VisitRow {
  id: number;
  subjectId: number;
  cadreId: number;
  occurredAt: Date;
  method: VisitMethod;
  outcome: VisitOutcome;
  anomalies: string[];
  note: string | null;
  attachments: Prisma.JsonValue;
  status: "active" | "withdrawn" | "superseded";
  createdAt: Date;
}

export interface NewVisit {
  subjectId: number;
  cadreId: number;
  occurredAt: Date;
  method: VisitMethod;
  outcome: VisitOutcome;
  anomalies: string[];
  note: string | null;
  sourceMessageId: string | null;
  correctsId?: number | null;
  createdAt: Date;
}

export interface VisitRepository {
  /** Null when the source message already produced a visit (a redelivery). */
  create(input: NewVisit): Promise<VisitRow | null>;
  /** The cadre's active visits created at or after `since`, newest first. */
  listRecentByCadre(cadreId: number, since: Date, subjectId?: number): Promise<VisitRow[]>;
  /** The cadre's newest active visit of a subject. */
  findLatest(cadreId: number, subjectId: number): Promise<VisitRow | null>;
  withdraw(id: number, at: Date): Promise<boolean>;
  supersede(id: number): Promise<boolean>;
  /**
   * The record and those it corrected, following the correction chain back (newest first), each
   * with its anomalies: what an incident or a level proposal raised by an earlier link refers to.
   */
  correctionChain(id: number): Promise<{ id: number; anomalies: string[] }[]>;
  /** Adds detail to a record (the answer to a follow-up question); the record as amended. */
  amend(
    id: number,
    change: { anomalies?: string[]; note?: string | null; outcome?: VisitOutcome },
  ): Promise<VisitRow>;
  attach(id: number, attachment: Prisma.InputJsonValue): Promise<void>;
  /** Subjects (of those given) with an active visit by anyone on or after `since`. */
  visitedSince(subjectIds: number[], since: Date): Promise<Set<number>>;
}

const select = {
  id: true,
  subjectId: true,
  cadreId: true,
  occurredAt: true,
  method: true,
  outcome: true,
  anomalies: true,
  note: true,
  attachments: true,
  status: true,
  createdAt: true,
} as const;

export class PrismaVisitRepository implements VisitRepository {
  constructor(private readonly db: Db) {}

  async create(input: NewVisit) {
    try {
      return await this.db.visit.create({ data: input, select });
    } catch (err) {
      if (isUniqueViolation(err)) return null;
      throw err;
    }
  }

  listRecentByCadre(cadreId: number, since: Date, subjectId?: number) {
    return this.db.visit.findMany({
      where: { cadreId, status: "active", createdAt: { gte: since }, ...(subjectId ? { subjectId } : {}) },
      select,
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    });
  }

  findLatest(cadreId: number, subjectId: number) {
    return this.db.visit.findFirst({
      where: { cadreId, subjectId, status: "active" },
      select,
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    });
  }

  async withdraw(id: number, at: Date) {
    const res = await this.db.visit.updateMany({
      where: { id, status: "active" },
      data: { status: "withdrawn", withdrawnAt: at },
    });
    return res.count === 1;
  }

  async supersede(id: number) {
    const res = await this.db.visit.updateMany({
      where: { id, status: "active" },
      data: { status: "superseded" },
    });
    return res.count === 1;
  }

  async correctionChain(id: number) {
    const chain: { id: number; anomalies: string[] }[] = [];
    const seen = new Set<number>();
    let next: number | null = id;
    // A correction chain is a few records long; the bound only guards against bad data.
    while (next !== null && chain.length < 50 && !seen.has(next)) {
      seen.add(next);
      const visit: { id: number; correctsId: number | null; anomalies: string[] } | null =
        await this.db.visit.findUnique({
          where: { id: next },
          select: { id: true, correctsId: true, anomalies: true },
        });
      if (!visit) break;
      chain.push({ id: visit.id, anomalies: visit.anomalies });
      next = visit.correctsId;
    }
    return chain;
  }

  async amend(id: number, change: { anomalies?: string[]; note?: string | null; outcome?: VisitOutcome }) {
    return this.db.visit.update({ where: { id }, data: change, select });
  }

  async attach(id: number, attachment: Prisma.InputJsonValue) {
    const row = await this.db.visit.findUniqueOrThrow({ where: { id }, select: { attachments: true } });
    const list = Array.isArray(row.attachments) ? row.attachments : [];
    await this.db.visit.update({
      where: { id },
      data: { attachments: [...list, attachment] as Prisma.InputJsonValue },
    });
  }

  async visitedSince(subjectIds: number[], since: Date) {
    if (subjectIds.length === 0) return new Set<number>();
    const rows = await this.db.visit.findMany({
      where: {
        subjectId: { in: subjectIds },
        status: "active",
        occurredAt: { gte: since },
        outcome: { not: "not_met" },
      },
      select: { subjectId: true },
      distinct: ["subjectId"],
    });
    return new Set(rows.map((r) => r.subjectId));
  }
}
