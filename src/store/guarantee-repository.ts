import type { GuaranteeRole } from "../generated/prisma/client";
import type { Db } from "./prisma-client";
import { PENDING_USERID_PREFIX } from "../domain/wecom-account";

/** A guarantee with its cadre's userid and name. */
export interface GuaranteeRow {
  id: number;
  subjectId: number;
  cadreId: number;
  userid: string;
  cadreName: string;
  cadreActive: boolean;
  role: GuaranteeRole;
  startDate: Date;
  endDate: Date | null;
}

/** A person who would be left with no guarantor. */
export interface DependentSubject {
  id: number;
  name: string;
  regionId: number;
}

export interface GuaranteeRepository {
  /** Guarantees of the subject still open after `day` (no end date, or ending later), any cadre. */
  listOpenForSubject(subjectId: number, day: Date): Promise<GuaranteeRow[]>;
  /** Guarantees of the cadre still open after `day`, on people not closed; by subject id. */
  listOpenForCadre(cadreId: number, day: Date): Promise<GuaranteeRow[]>;
  /** Starts a guarantee on `startDate` (an ended one with the same start is reopened). */
  start(input: {
    subjectId: number;
    cadreId: number;
    role?: GuaranteeRole;
    startDate: Date;
  }): Promise<number>;
  /** Ends a guarantee on `endDate` (its last day). */
  end(id: number, endDate: Date): Promise<void>;
  /**
   * People (not closed) among `subjectIds` — all the cadre's when omitted — who after `day` would
   * have no open guarantee of an active cadre other than `cadreId`'s.
   */
  dependentsOf(cadreId: number, day: Date, subjectIds?: readonly number[]): Promise<DependentSubject[]>;
  /**
   * People under management (not closed, not paused on `day`) without a guarantee of an active
   * cadre covering `day`: their count and the first `sample` by id.
   */
  unassigned(day: Date, sample: number): Promise<{ count: number; subjects: DependentSubject[] }>;
  /**
   * Active cadres without a WeCom account (`pending:<mobile>`) holding a guarantee on `day` of
   * somebody under management: their count and the names of the first `sample` by id.
   */
  withoutWecomAccount(day: Date, sample: number): Promise<{ count: number; names: string[] }>;
}

type Raw = Omit<GuaranteeRow, "role"> & { role: string };

export class PrismaGuaranteeRepository implements GuaranteeRepository {
  constructor(private readonly db: Db) {}

  private async rows(where: "subject" | "cadre", id: number, day: Date): Promise<GuaranteeRow[]> {
    const rows =
      where === "subject"
        ? await this.db.$queryRaw<Raw[]>`
          SELECT g."id", g."subjectId", g."cadreId", c."userid", c."name" AS "cadreName", c."active" AS "cadreActive",
                 g."role"::text AS "role", g."startDate", g."endDate"
          FROM "Guarantee" g JOIN "Cadre" c ON c."id" = g."cadreId"
          WHERE g."subjectId" = ${id} AND (g."endDate" IS NULL OR g."endDate" > ${day}::date)
          ORDER BY g."id"`
        : await this.db.$queryRaw<Raw[]>`
          SELECT g."id", g."subjectId", g."cadreId", c."userid", c."name" AS "cadreName", c."active" AS "cadreActive",
                 g."role"::text AS "role", g."startDate", g."endDate"
          FROM "Guarantee" g JOIN "Cadre" c ON c."id" = g."cadreId"
            JOIN "Subject" s ON s."id" = g."subjectId" AND s."status" <> 'closed'
          WHERE g."cadreId" = ${id} AND (g."endDate" IS NULL OR g."endDate" > ${day}::date)
          ORDER BY g."subjectId", g."id"`;
    return rows.map((r) => ({ ...r, role: r.role as GuaranteeRole }));
  }

  listOpenForSubject(subjectId: number, day: Date) {
    return this.rows("subject", subjectId, day);
  }

  listOpenForCadre(cadreId: number, day: Date) {
    return this.rows("cadre", cadreId, day);
  }

  async start(input: { subjectId: number; cadreId: number; role?: GuaranteeRole; startDate: Date }) {
    const row = await this.db.guarantee.upsert({
      where: {
        subjectId_cadreId_startDate: {
          subjectId: input.subjectId,
          cadreId: input.cadreId,
          startDate: input.startDate,
        },
      },
      create: {
        subjectId: input.subjectId,
        cadreId: input.cadreId,
        role: input.role ?? "primary",
        startDate: input.startDate,
      },
      update: { endDate: null, role: input.role ?? "primary" },
      select: { id: true },
    });
    return row.id;
  }

  async end(id: number, endDate: Date) {
    await this.db.guarantee.update({ where: { id }, data: { endDate } });
  }

  dependentsOf(cadreId: number, day: Date, subjectIds?: readonly number[]) {
    const only = subjectIds ? [...subjectIds] : null;
    return this.db.$queryRaw<DependentSubject[]>`
      SELECT DISTINCT s."id", s."name", s."regionId"
      FROM "Guarantee" g JOIN "Subject" s ON s."id" = g."subjectId" AND s."status" <> 'closed'
      WHERE g."cadreId" = ${cadreId} AND (g."endDate" IS NULL OR g."endDate" > ${day}::date)
        AND (${only}::int[] IS NULL OR s."id" = ANY(${only}::int[]))
        AND NOT EXISTS (
          SELECT 1 FROM "Guarantee" o JOIN "Cadre" c ON c."id" = o."cadreId" AND c."active"
          WHERE o."subjectId" = s."id" AND o."cadreId" <> ${cadreId}
            AND (o."endDate" IS NULL OR o."endDate" > ${day}::date))
      ORDER BY s."id"`;
  }

  async unassigned(day: Date, sample: number) {
    const condition = (alias: string) => `
      ${alias}."status" <> 'closed'
      AND NOT (${alias}."status" = 'paused' AND (${alias}."pausedFrom" IS NULL OR ${alias}."pausedFrom" <= $1::date)
               AND (${alias}."pausedUntil" IS NULL OR ${alias}."pausedUntil" >= $1::date))
      AND NOT EXISTS (
        SELECT 1 FROM "Guarantee" g JOIN "Cadre" c ON c."id" = g."cadreId" AND c."active"
        WHERE g."subjectId" = ${alias}."id" AND g."startDate" <= $1::date AND (g."endDate" IS NULL OR g."endDate" >= $1::date))`;
    const [counted] = await this.db.$queryRawUnsafe<{ n: bigint | number }[]>(
      `SELECT count(*) AS n FROM "Subject" s WHERE ${condition("s")}`,
      day,
    );
    const subjects = await this.db.$queryRawUnsafe<DependentSubject[]>(
      `SELECT s."id", s."name", s."regionId" FROM "Subject" s WHERE ${condition("s")} ORDER BY s."id" LIMIT $2`,
      day,
      sample,
    );
    return { count: Number(counted?.n ?? 0), subjects };
  }

  async withoutWecomAccount(day: Date, sample: number) {
    const rows = await this.db.$queryRaw<{ name: string; total: bigint | number }[]>`
      SELECT c."name", count(*) OVER () AS "total"
      FROM "Cadre" c
      WHERE c."active" AND starts_with(c."userid", ${PENDING_USERID_PREFIX})
        AND EXISTS (
          SELECT 1 FROM "Guarantee" g JOIN "Subject" s ON s."id" = g."subjectId"
          WHERE g."cadreId" = c."id" AND g."startDate" <= ${day}::date
            AND (g."endDate" IS NULL OR g."endDate" >= ${day}::date)
            AND s."status" <> 'closed'
            AND NOT (s."status" = 'paused' AND (s."pausedFrom" IS NULL OR s."pausedFrom" <= ${day}::date)
                     AND (s."pausedUntil" IS NULL OR s."pausedUntil" >= ${day}::date)))
      ORDER BY c."id"
      LIMIT ${sample}`;
    return { count: Number(rows[0]?.total ?? 0), names: rows.map((r) => r.name) };
  }
}
