import type { CadencePolicy } from "../domain/policy";
import type { Db } from "./prisma-client";

/** A stored cadence policy row. */
export interface PolicyRow extends CadencePolicy {
  id: number;
  intervalDays: number | null;
  updatedBy: string | null;
  updatedAt: Date;
}

/** Which rows `reset` touches; unset fields match every row. */
export interface PolicyFilter {
  regionCode?: string;
  category?: CadencePolicy["category"];
}

export interface PolicyRepository {
  /** Every row, ordered by category, region, level. */
  list(): Promise<PolicyRow[]>;
  /** Inserts or replaces the row keyed by (regionCode, category, level). */
  upsert(policy: CadencePolicy, actor: string, at: Date): Promise<{ row: PolicyRow; created: boolean }>;
  /**
   * Writes `defaults` when the table is empty (first start). Idempotent and safe for two
   * instances starting together (`INSERT … ON CONFLICT DO NOTHING`); returns the rows written.
   */
  seedDefaultsIfEmpty(defaults: readonly CadencePolicy[], at: Date): Promise<number>;
  /**
   * Deletes the rows matching `filter`, then writes the `defaults` rows that match it again.
   * Deleting a region's own row makes its parent's (or the nationwide) rule apply. Returns counts.
   */
  reset(
    filter: PolicyFilter,
    defaults: readonly CadencePolicy[],
    actor: string,
    at: Date,
  ): Promise<{ deleted: number; restored: number }>;
  count(): Promise<number>;
}

const select = {
  id: true,
  regionCode: true,
  category: true,
  level: true,
  method: true,
  period: true,
  intervalDays: true,
  minCount: true,
  rule: true,
  source: true,
  updatedBy: true,
  updatedAt: true,
} as const;

function data(policy: CadencePolicy) {
  return {
    method: policy.method,
    period: policy.period,
    intervalDays: policy.period === "days" ? (policy.intervalDays ?? null) : null,
    minCount: policy.minCount,
    rule: policy.rule,
    source: policy.source,
  };
}

function matches(policy: CadencePolicy, filter: PolicyFilter): boolean {
  return (
    (filter.regionCode === undefined || policy.regionCode === filter.regionCode) &&
    (filter.category === undefined || policy.category === filter.category)
  );
}

export class PrismaPolicyRepository implements PolicyRepository {
  constructor(private readonly db: Db) {}

  list() {
    return this.db.cadencePolicy.findMany({
      select,
      orderBy: [{ category: "asc" }, { regionCode: "asc" }, { level: "asc" }],
    });
  }

  async upsert(policy: CadencePolicy, actor: string, at: Date) {
    const key = { regionCode: policy.regionCode, category: policy.category, level: policy.level };
    const existing = await this.db.cadencePolicy.findUnique({
      where: { regionCode_category_level: key },
      select: { id: true },
    });
    const row = await this.db.cadencePolicy.upsert({
      where: { regionCode_category_level: key },
      create: { ...key, ...data(policy), updatedBy: actor, updatedAt: at, createdAt: at },
      update: { ...data(policy), updatedBy: actor, updatedAt: at },
      select,
    });
    return { row, created: !existing };
  }

  async seedDefaultsIfEmpty(defaults: readonly CadencePolicy[], at: Date) {
    if ((await this.db.cadencePolicy.count()) > 0) return 0;
    const written = await this.db.cadencePolicy.createMany({
      data: defaults.map((p) => ({
        regionCode: p.regionCode,
        category: p.category,
        level: p.level,
        ...data(p),
        updatedBy: "system",
        updatedAt: at,
        createdAt: at,
      })),
      skipDuplicates: true,
    });
    return written.count;
  }

  async reset(filter: PolicyFilter, defaults: readonly CadencePolicy[], actor: string, at: Date) {
    const deleted = await this.db.cadencePolicy.deleteMany({
      where: { regionCode: filter.regionCode, category: filter.category },
    });
    const restore = defaults.filter((p) => matches(p, filter));
    const restored = await this.db.cadencePolicy.createMany({
      data: restore.map((p) => ({
        regionCode: p.regionCode,
        category: p.category,
        level: p.level,
        ...data(p),
        updatedBy: actor,
        updatedAt: at,
        createdAt: at,
      })),
      skipDuplicates: true,
    });
    return { deleted: deleted.count, restored: restored.count };
  }

  count() {
    return this.db.cadencePolicy.count();
  }
}
