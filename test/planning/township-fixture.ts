/**
 * A small township on a fresh test database for the cadence engine's tests: county → township →
 * two villages, guarantors, a village and a township leader, default policies, and builders for
 * subjects, guarantees and visits. Clocks are fixed instants (`sh("2026-11-24 09:00")`).
 */
import pino from "pino";
import { loadTemplates } from "../../src/bot/templates";
import { DEFAULT_CADENCE_POLICIES } from "../../src/domain/cadence-defaults";
import type { Category } from "../../src/domain/categories";
import { dbDateFromLocalDate } from "../../src/domain/local-date";
import type { JobDeps } from "../../src/jobs/job";
import { createPlanner } from "../../src/planning/planner";
import type { CadreRole } from "../../src/generated/prisma/client";
import { createIdCipher } from "../../src/store/id-cipher";
import { createStore, type Store } from "../../src/store/store";
import { createTestDb, type TestDb } from "../helpers/test-db";

export const TZ = "Asia/Shanghai";
/** The ID-number key of the fixture's store (the CLI under test gets it as BAOBAO_SECRET_KEY). */
export const SECRET_KEY_HEX = "5a".repeat(32);

/** An instant given as Shanghai wall-clock time. */
export function sh(local: string): Date {
  const [date, time = "00:00"] = local.split(" ");
  const instant = new Date(`${date}T${time.length === 5 ? `${time}:00` : time}+08:00`);
  if (Number.isNaN(instant.getTime())) throw new Error(`bad fixture time ${local}`);
  return instant;
}

export interface Township {
  db: TestDb;
  store: Store;
  regions: { county: number; township: number; v1: number; v2: number };
  cadres: Record<
    "wangli" | "lisi" | "zhaomin" | "secretary1" | "secretary2" | "leader",
    { id: number; userid: string }
  >;
  /** Adds a person with guarantors (guarantee start default 2026-01-01). */
  subject(input: {
    name: string;
    category: Category;
    level: string;
    village?: "v1" | "v2";
    guarantors: { id: number }[];
    guaranteeStart?: string;
    idNumber?: string;
  }): Promise<number>;
  /** Records a visit (`at` in Shanghai time; createdAt defaults to the same instant). */
  visit(
    subjectId: number,
    cadre: { id: number },
    at: string,
    extra?: {
      method?: "in_person" | "phone" | "video";
      outcome?: "normal" | "abnormal" | "not_met";
      createdAt?: string;
    },
  ): Promise<void>;
  /** Job dependencies over this store with a fixed bookkeeping clock. */
  deps(opts?: { clock?: Date; instance?: string }): JobDeps;
  close(): Promise<void>;
}

export async function createTownship(): Promise<Township> {
  const db = await createTestDb();
  const store = createStore(db.prisma, createIdCipher(Buffer.from(SECRET_KEY_HEX, "hex")));
  await store.policies.seedDefaultsIfEmpty(DEFAULT_CADENCE_POLICIES, sh("2026-01-01 00:00"));
  const county = await store.regions.create({ code: "429901", name: "示范县", level: "county" });
  const township = await store.regions.create({
    code: "429901100",
    name: "示范镇",
    level: "township",
    parentId: county.id,
  });
  const v1 = await store.regions.create({
    code: "429901100201",
    name: "青山村",
    level: "village",
    parentId: township.id,
  });
  const v2 = await store.regions.create({
    code: "429901100202",
    name: "河口村",
    level: "village",
    parentId: township.id,
  });
  const cadre = async (userid: string, name: string, roles: CadreRole[], home: number, scope = home) => {
    const row = await store.cadres.create({ userid, name, roles, homeRegionId: home, scopeRegionId: scope });
    return { id: row.id, userid };
  };
  const cadres = {
    wangli: await cadre("wangli", "王丽", ["guarantor"], v1.id),
    lisi: await cadre("lisi", "李四", ["guarantor"], v1.id),
    zhaomin: await cadre("zhaomin", "赵敏", ["guarantor"], v2.id),
    secretary1: await cadre("wangdefu", "王德富", ["village_leader", "guarantor"], v1.id),
    secretary2: await cadre("lichunsheng", "李春生", ["village_leader"], v2.id),
    leader: await cadre("zhoujg", "周建国", ["township_leader"], township.id),
  };
  const templates = loadTemplates();
  return {
    db,
    store,
    regions: { county: county.id, township: township.id, v1: v1.id, v2: v2.id },
    cadres,
    async subject(input) {
      const row = await store.subjects.create({
        name: input.name,
        regionId: input.village === "v2" ? v2.id : v1.id,
        category: input.category,
        level: input.level,
        idNumber: input.idNumber ?? null,
      });
      for (const g of input.guarantors) {
        await db.prisma.guarantee.create({
          data: {
            subjectId: row.id,
            cadreId: g.id,
            startDate: dbDateFromLocalDate(input.guaranteeStart ?? "2026-01-01"),
          },
        });
      }
      return row.id;
    },
    async visit(subjectId, c, at, extra = {}) {
      await db.prisma.visit.create({
        data: {
          subjectId,
          cadreId: c.id,
          occurredAt: sh(at),
          method: extra.method ?? "in_person",
          outcome: extra.outcome ?? "normal",
          createdAt: sh(extra.createdAt ?? at),
        },
      });
    },
    deps(opts = {}) {
      const clock = opts.clock ?? sh("2026-11-24 09:00");
      return {
        store,
        planner: createPlanner({ repos: store, tz: TZ }),
        templates,
        tz: TZ,
        logger: pino({ level: "silent" }),
        instance: opts.instance ?? "test-a",
        clock: () => clock,
      };
    },
    close: () => db.close(),
  };
}
