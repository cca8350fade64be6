import type { Category, LevelProposalStatus } from "../generated/prisma/client";
import type { Db } from "./prisma-client";

export interface LevelProposalRow {
  id: number;
  subjectId: number;
  fromLevel: string;
  toLevel: string;
  reason: string;
  visitId: number | null;
  incidentId: number | null;
  proposerId: number | null;
  status: LevelProposalStatus;
  deciderId: number | null;
  decidedAt: Date | null;
  createdAt: Date;
}

export interface NewLevelProposal {
  subjectId: number;
  fromLevel: string;
  toLevel: string;
  reason: string;
  visitId: number | null;
  incidentId: number | null;
  proposerId: number | null;
  at: Date;
}

/** The person a proposal is about, as the decider needs to see them. */
export interface ProposalSubject {
  id: number;
  name: string;
  category: Category;
  level: string;
  regionId: number;
}

export interface LevelProposalRepository {
  /** Creates a pending proposal; null when the person already has one pending (one at a time). */
  create(input: NewLevelProposal): Promise<LevelProposalRow | null>;
  find(id: number): Promise<LevelProposalRow | null>;
  findSubject(subjectId: number): Promise<ProposalSubject | null>;
  /** Pending → confirmed/rejected, once (conditional UPDATE); false when already decided. */
  decide(id: number, status: "confirmed" | "rejected", deciderId: number, at: Date): Promise<boolean>;
  /** Proposals raised by any of these visits, oldest first; withdrawn ones are left out. */
  listRaisedFromVisits(visitIds: readonly number[]): Promise<LevelProposalRow[]>;
  /** Pending → withdrawn (its visit was withdrawn or corrected), once; false when already decided. */
  withdraw(id: number, at: Date): Promise<boolean>;
  /**
   * Sets the person's level if it is still `expected` (a later manual change wins); true when set.
   * The planner reads Subject.level, so the tighter cadence applies from the next plan on.
   */
  setSubjectLevel(subjectId: number, expected: string, level: string): Promise<boolean>;
}

const select = {
  id: true,
  subjectId: true,
  fromLevel: true,
  toLevel: true,
  reason: true,
  visitId: true,
  incidentId: true,
  proposerId: true,
  status: true,
  deciderId: true,
  decidedAt: true,
  createdAt: true,
} as const;

export class PrismaLevelProposalRepository implements LevelProposalRepository {
  constructor(private readonly db: Db) {}

  async create(input: NewLevelProposal) {
    const pending = await this.db.levelProposal.findFirst({
      where: { subjectId: input.subjectId, status: "pending" },
      select: { id: true },
    });
    if (pending) return null;
    return this.db.levelProposal.create({
      data: {
        subjectId: input.subjectId,
        fromLevel: input.fromLevel,
        toLevel: input.toLevel,
        reason: input.reason,
        visitId: input.visitId,
        incidentId: input.incidentId,
        proposerId: input.proposerId,
        createdAt: input.at,
      },
      select,
    });
  }

  find(id: number) {
    return this.db.levelProposal.findUnique({ where: { id }, select });
  }

  findSubject(subjectId: number) {
    return this.db.subject.findUnique({
      where: { id: subjectId },
      select: { id: true, name: true, category: true, level: true, regionId: true },
    });
  }

  async decide(id: number, status: "confirmed" | "rejected", deciderId: number, at: Date) {
    const res = await this.db.levelProposal.updateMany({
      where: { id, status: "pending" },
      data: { status, deciderId, decidedAt: at },
    });
    return res.count === 1;
  }

  async listRaisedFromVisits(visitIds: readonly number[]) {
    if (visitIds.length === 0) return [];
    return this.db.levelProposal.findMany({
      where: { visitId: { in: [...visitIds] }, status: { not: "withdrawn" } },
      select,
      orderBy: { id: "asc" },
    });
  }

  async withdraw(id: number, at: Date) {
    const res = await this.db.levelProposal.updateMany({
      where: { id, status: "pending" },
      data: { status: "withdrawn", decidedAt: at },
    });
    return res.count === 1;
  }

  async setSubjectLevel(subjectId: number, expected: string, level: string) {
    const res = await this.db.subject.updateMany({
      where: { id: subjectId, level: expected },
      data: { level },
    });
    return res.count === 1;
  }
}
