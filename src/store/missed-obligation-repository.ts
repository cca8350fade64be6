import type { Db } from "./prisma-client";

/** `any`: the subject as a whole (any guarantor could have met it); `cadre:<id>`: one guarantor. */
export type MissScope = "any" | `cadre:${number}`;

export interface NewMissedObligation {
  subjectId: number;
  scope: MissScope;
  /** `2026-W48`, `2026-11`, `2026-Q4`, `2026`, or `2026-11-09+14d` for every-N-days. */
  periodKey: string;
  /** week | month | quarter | year | days */
  period: string;
  consecutive: number;
  /** guarantor | village_leader | township_leader */
  rung: string;
}

export interface MissedObligationRow extends NewMissedObligation {
  id: number;
  notifiedAt: Date | null;
  /** When a late-entered visit brought the period up to the minimum; null while the miss stands. */
  satisfiedAt: Date | null;
  satisfiedByVisitId: number | null;
  createdAt: Date;
}

/** A visit that can count toward a period: active and not `not_met` (the policy's method is the caller's). */
export interface CountingVisit {
  id: number;
  cadreId: number;
  occurredAt: Date;
  method: "in_person" | "phone" | "video";
}

export interface MissedObligationRepository {
  /** Records misses; a row already recorded for (subject, scope, period key) is left as it is. */
  recordMany(rows: readonly NewMissedObligation[], at: Date): Promise<number>;
  /**
   * Misses still to be notified, oldest first: recorded at or after `since`, not notified yet and
   * not satisfied by a late entry meanwhile.
   */
  listPending(since: Date): Promise<MissedObligationRow[]>;
  /**
   * Marks notified, at `at`, those of `ids` still pending (not notified, not satisfied) and returns
   * their ids. Inside a transaction the rows stay locked until it ends, so a late entry settling
   * one of them either committed before (it is not returned) or waits until the notice is stored.
   */
  claimForNotice(ids: readonly number[], at: Date): Promise<number[]>;
  /** Records the streak (and rung) the notice of these rows was built with, at send time. */
  restateStreak(ids: readonly number[], consecutive: number, rung: string): Promise<void>;
  /** Rows of one subject, newest first (satisfied ones too, with `satisfiedAt` set). */
  listForSubject(subjectId: number): Promise<MissedObligationRow[]>;
  /** Rows of one subject for some period keys, by id. */
  listForSubjectPeriods(subjectId: number, periodKeys: readonly string[]): Promise<MissedObligationRow[]>;
  /**
   * Marks the subject's misses of one period key in the given scopes satisfied by `visitId`,
   * where not satisfied already; the number of rows marked.
   */
  markSatisfied(
    miss: { subjectId: number; periodKey: string; scopes: readonly MissScope[] },
    visitId: number,
    at: Date,
  ): Promise<number>;
  /** Opens again the misses `visitId` satisfied (it was withdrawn or corrected); the number opened. */
  clearSatisfied(visitId: number): Promise<number>;
  /**
   * The subject's active visits that are not `not_met`, dated in [from, to), oldest first: what
   * can count toward a stored miss.
   */
  listCountingVisits(subjectId: number, from: Date, to: Date): Promise<CountingVisit[]>;
}

const select = {
  id: true,
  subjectId: true,
  scope: true,
  periodKey: true,
  period: true,
  consecutive: true,
  rung: true,
  notifiedAt: true,
  satisfiedAt: true,
  satisfiedByVisitId: true,
  createdAt: true,
} as const;

type Selected = Omit<MissedObligationRow, "scope"> & { scope: string };
const toRow = (row: Selected): MissedObligationRow => row as MissedObligationRow;

export class PrismaMissedObligationRepository implements MissedObligationRepository {
  constructor(private readonly db: Db) {}

  async recordMany(rows: readonly NewMissedObligation[], at: Date) {
    if (rows.length === 0) return 0;
    const written = await this.db.missedObligation.createMany({
      data: rows.map((r) => ({ ...r, createdAt: at })),
      skipDuplicates: true,
    });
    return written.count;
  }

  async listPending(since: Date) {
    const rows = await this.db.missedObligation.findMany({
      where: { notifiedAt: null, satisfiedAt: null, createdAt: { gte: since } },
      select,
      orderBy: { id: "asc" },
    });
    return rows.map(toRow);
  }

  async claimForNotice(ids: readonly number[], at: Date) {
    if (ids.length === 0) return [];
    const rows = await this.db.missedObligation.updateManyAndReturn({
      where: { id: { in: [...ids] }, notifiedAt: null, satisfiedAt: null },
      data: { notifiedAt: at },
      select: { id: true },
    });
    return rows.map((r) => r.id);
  }

  async restateStreak(ids: readonly number[], consecutive: number, rung: string) {
    if (ids.length === 0) return;
    await this.db.missedObligation.updateMany({
      where: { id: { in: [...ids] }, OR: [{ consecutive: { not: consecutive } }, { rung: { not: rung } }] },
      data: { consecutive, rung },
    });
  }

  async listForSubject(subjectId: number) {
    const rows = await this.db.missedObligation.findMany({
      where: { subjectId },
      select,
      orderBy: { id: "desc" },
    });
    return rows.map(toRow);
  }

  async listForSubjectPeriods(subjectId: number, periodKeys: readonly string[]) {
    if (periodKeys.length === 0) return [];
    const rows = await this.db.missedObligation.findMany({
      where: { subjectId, periodKey: { in: [...periodKeys] } },
      select,
      orderBy: { id: "asc" },
    });
    return rows.map(toRow);
  }

  async markSatisfied(
    miss: { subjectId: number; periodKey: string; scopes: readonly MissScope[] },
    visitId: number,
    at: Date,
  ) {
    if (miss.scopes.length === 0) return 0;
    const res = await this.db.missedObligation.updateMany({
      where: {
        subjectId: miss.subjectId,
        periodKey: miss.periodKey,
        scope: { in: [...miss.scopes] },
        satisfiedAt: null,
      },
      data: { satisfiedAt: at, satisfiedByVisitId: visitId },
    });
    return res.count;
  }

  async clearSatisfied(visitId: number) {
    const res = await this.db.missedObligation.updateMany({
      where: { satisfiedByVisitId: visitId },
      data: { satisfiedAt: null, satisfiedByVisitId: null },
    });
    return res.count;
  }

  listCountingVisits(subjectId: number, from: Date, to: Date) {
    return this.db.visit.findMany({
      where: {
        subjectId,
        status: "active",
        outcome: { not: "not_met" },
        occurredAt: { gte: from, lt: to },
      },
      select: { id: true, cadreId: true, occurredAt: true, method: true },
      orderBy: [{ occurredAt: "asc" }, { id: "asc" }],
    });
  }
}
