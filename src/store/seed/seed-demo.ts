import type { IdCipher } from "../id-cipher";
import type { PrismaClient } from "../prisma-client";
import { PrismaAuditRepository } from "../audit-repository";
import { PrismaCadreRepository } from "../cadre-repository";
import { PrismaRegionRepository } from "../region-repository";
import { PrismaSubjectRepository } from "../subject-repository";
import { buildDemoTownship } from "./demo-township";
import { DEFAULT_CADENCE_POLICIES } from "../../domain/cadence-defaults"; // issue 5
import { PrismaPolicyRepository } from "../policy-repository"; // issue 5

export interface SeedResult {
  seeded: boolean;
  regions: number;
  cadres: number;
  subjects: number;
  visits: number;
}

const SEED_MARKER = "seed.demo";

/**
 * Seeds the demo township when the database holds no regions. All in one transaction: a crash
 * midway leaves an empty database, and the next start seeds again; a second call does nothing.
 */
export async function seedDemoIfEmpty(
  prisma: PrismaClient,
  cipher: IdCipher,
  now: Date,
): Promise<SeedResult> {
  const none = { seeded: false, regions: 0, cadres: 0, subjects: 0, visits: 0 };
  if ((await prisma.region.count()) > 0) return none;
  const demo = buildDemoTownship(now);
  return prisma.$transaction(
    async (tx) => {
      // Two instances starting together: the marker row serialises them; the loser stops here.
      const marker = await tx.setting.createMany({
        data: [{ key: SEED_MARKER, value: { at: now.toISOString(), version: 1 } }],
        skipDuplicates: true,
      });
      if (marker.count === 0 || (await tx.region.count()) > 0) return none;

      const regions = new PrismaRegionRepository(tx);
      const cadres = new PrismaCadreRepository(tx);
      const subjects = new PrismaSubjectRepository(tx, cipher, new PrismaAuditRepository(tx));
      const regionId = new Map<string, number>();
      for (const r of demo.regions) {
        const parentId = r.parentCode ? regionId.get(r.parentCode) : null;
        const row = await regions.create({ code: r.code, name: r.name, level: r.level, parentId });
        regionId.set(r.code, row.id);
      }
      const cadreId = new Map<string, number>();
      for (const c of demo.cadres) {
        const row = await cadres.create({
          userid: c.userid,
          name: c.name,
          mobile: c.mobile,
          roles: c.roles,
          homeRegionId: regionId.get(c.homeCode)!,
          scopeRegionId: regionId.get(c.scopeCode)!,
        });
        cadreId.set(c.userid, row.id);
      }
      const subjectId = new Map<string, number>();
      const start = new Date(now.getTime() - 180 * 86_400_000);
      for (const s of demo.subjects) {
        const row = await subjects.create({
          name: s.name,
          idNumber: s.idNumber,
          gender: s.gender,
          birthDate: s.birthDate,
          phone: s.phone,
          address: s.address,
          regionId: regionId.get(s.regionCode)!,
          category: s.category,
          level: s.level,
          department: s.department,
        });
        subjectId.set(s.key, row.id);
        if (s.pause) await subjects.pause(row.id, { reason: s.pause.reason, from: s.pause.from });
        await tx.guarantee.createMany({
          data: s.guarantors.map((g) => ({
            subjectId: row.id,
            cadreId: cadreId.get(g.userid)!,
            role: g.role,
            startDate: start,
          })),
        });
      }
      await tx.visit.createMany({
        data: demo.visits.map((v) => ({
          subjectId: subjectId.get(v.subjectKey)!,
          cadreId: cadreId.get(v.userid)!,
          occurredAt: v.occurredAt,
          method: v.method,
          outcome: v.outcome,
          anomalies: v.anomalies,
          note: v.note,
          createdAt: v.occurredAt,
        })),
      });
      // The demo's cadences: the shipped policy table, unless the operator already has one (issue 5).
      await new PrismaPolicyRepository(tx).seedDefaultsIfEmpty(DEFAULT_CADENCE_POLICIES, now);
      await tx.auditLog.create({
        data: { actor: "system", action: "seed.demo", detail: { at: now.toISOString() } },
      });
      return {
        seeded: true,
        regions: demo.regions.length,
        cadres: demo.cadres.length,
        subjects: demo.subjects.length,
        visits: demo.visits.length,
      };
    },
    { timeout: 120_000, maxWait: 30_000 },
  );
}
