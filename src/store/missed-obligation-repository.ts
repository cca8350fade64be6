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
  createdAt: Date;
}

export interface MissedObligationRepository {
  /** Records misses; a row already recorded for (subject, scope, period key) is left as it is. */
  recordMany(rows: readonly NewMissedObligation[], at: Date): Promise<number>;
  /** Rows of some period keys, oldest first; `unnotifiedOnly` keeps those not yet notified. */
  listByPeriodKeys(
    periodKeys: readonly string[],
    opts?: { unnotifiedOnly?: boolean },
  ): Promise<MissedObligationRow[]>;
  markNotified(ids: readonly number[], at: Date): Promise<void>;
  /** Rows of one subject, newest first. */
  listForSubject(subjectId: number): Promise<MissedObligationRow[]>;
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

  async listByPeriodKeys(periodKeys: readonly string[], opts: { unnotifiedOnly?: boolean } = {}) {
    if (periodKeys.length === 0) return [];
    const rows = await this.db.missedObligation.findMany({
      where: { periodKey: { in: [...periodKeys] }, ...(opts.unnotifiedOnly ? { notifiedAt: null } : {}) },
      select,
      orderBy: { id: "asc" },
    });
    return rows.map(toRow);
  }

  async markNotified(ids: readonly number[], at: Date) {
    if (ids.length === 0) return;
    await this.db.missedObligation.updateMany({ where: { id: { in: [...ids] } }, data: { notifiedAt: at } });
  }

  async listForSubject(subjectId: number) {
    const rows = await this.db.missedObligation.findMany({
      where: { subjectId },
      select,
      orderBy: { id: "desc" },
    });
    return rows.map(toRow);
  }
}
