import type { RegionLevel } from "../generated/prisma/client";
import type { Db } from "./prisma-client";

export interface RegionRow {
  id: number;
  code: string;
  name: string;
  level: RegionLevel;
  parentId: number | null;
  path: string;
}

export interface RegionRepository {
  create(input: {
    code: string;
    name: string;
    level: RegionLevel;
    parentId?: number | null;
  }): Promise<RegionRow>;
  findByCode(code: string): Promise<RegionRow | null>;
  findById(id: number): Promise<RegionRow | null>;
  /** Regions with exactly this name (several townships may have a 新村). */
  findByName(name: string): Promise<RegionRow[]>;
  /** The region and every region under it. */
  listSubtree(regionId: number): Promise<RegionRow[]>;
  /** Root first, the region itself last. */
  listAncestors(regionId: number): Promise<RegionRow[]>;
  /** Whether `regionId` lies inside the subtree rooted at `rootId`. */
  isWithin(regionId: number, rootId: number): Promise<boolean>;
  count(): Promise<number>;
}

const select = { id: true, code: true, name: true, level: true, parentId: true, path: true } as const;

export class PrismaRegionRepository implements RegionRepository {
  constructor(private readonly db: Db) {}

  async create(input: { code: string; name: string; level: RegionLevel; parentId?: number | null }) {
    const parent = input.parentId
      ? await this.db.region.findUniqueOrThrow({ where: { id: input.parentId }, select })
      : null;
    // The path needs the new id; a temporary unique path is replaced in the same transaction.
    const tmp = `tmp:${input.code}`;
    const created = await this.db.region.create({
      data: {
        code: input.code,
        name: input.name,
        level: input.level,
        parentId: parent?.id ?? null,
        path: tmp,
      },
      select,
    });
    return this.db.region.update({
      where: { id: created.id },
      data: { path: `${parent?.path ?? "/"}${created.id}/` },
      select,
    });
  }

  findByCode(code: string) {
    return this.db.region.findUnique({ where: { code }, select });
  }

  findById(id: number) {
    return this.db.region.findUnique({ where: { id }, select });
  }

  findByName(name: string) {
    return this.db.region.findMany({ where: { name }, select, orderBy: { id: "asc" } });
  }

  async listSubtree(regionId: number) {
    const root = await this.db.region.findUnique({ where: { id: regionId }, select: { path: true } });
    if (!root) return [];
    return this.db.region.findMany({
      where: { path: { startsWith: root.path } },
      select,
      orderBy: { path: "asc" },
    });
  }

  async listAncestors(regionId: number) {
    const region = await this.db.region.findUnique({ where: { id: regionId }, select: { path: true } });
    if (!region) return [];
    const ids = region.path.split("/").filter(Boolean).map(Number);
    const rows = await this.db.region.findMany({ where: { id: { in: ids } }, select });
    return ids.map((id) => rows.find((r) => r.id === id)).filter((r): r is RegionRow => r !== undefined);
  }

  async isWithin(regionId: number, rootId: number) {
    const [region, root] = await Promise.all([
      this.db.region.findUnique({ where: { id: regionId }, select: { path: true } }),
      this.db.region.findUnique({ where: { id: rootId }, select: { path: true } }),
    ]);
    return !!region && !!root && region.path.startsWith(root.path);
  }

  count() {
    return this.db.region.count();
  }
}
