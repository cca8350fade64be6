import type { CadreRole } from "../generated/prisma/client";
import type { Db } from "./prisma-client";

export interface CadreRow {
  id: number;
  userid: string;
  name: string;
  mobile: string | null;
  roles: CadreRole[];
  homeRegionId: number;
  scopeRegionId: number;
  active: boolean;
}

export interface NewCadre {
  userid: string;
  name: string;
  mobile?: string | null;
  roles: CadreRole[];
  homeRegionId: number;
  scopeRegionId?: number;
}

/** Fields `cadre set` may change. */
export type CadrePatch = Partial<
  Omit<NewCadre, "scopeRegionId"> & { scopeRegionId: number; active: boolean }
>;

export interface CadreRepository {
  create(input: NewCadre): Promise<CadreRow>;
  /** Changes a cadre's userid if it is still `from`; false when it is not (changed meanwhile). */
  setUserid(id: number, from: string, to: string): Promise<boolean>;
  findByUserid(userid: string): Promise<CadreRow | null>;
  /** The cadres with these userids (any order; unknown userids are left out). */
  findByUserids(userids: readonly string[]): Promise<CadreRow[]>;
  findById(id: number): Promise<CadreRow | null>;
  listActive(): Promise<CadreRow[]>;
  /** Cadres by id, filtered: home region among `regionIds`, having `role`, active or not. */
  list(filter: { regionIds?: readonly number[]; role?: CadreRole; active?: boolean }): Promise<CadreRow[]>;
  update(id: number, patch: CadrePatch): Promise<CadreRow>;
  count(): Promise<number>;
}

/** The columns of a `CadreRow`, for every repository that reads cadres. */
export const CADRE_ROW_SELECT = {
  id: true,
  userid: true,
  name: true,
  mobile: true,
  roles: true,
  homeRegionId: true,
  scopeRegionId: true,
  active: true,
} as const;

export class PrismaCadreRepository implements CadreRepository {
  constructor(private readonly db: Db) {}

  create(input: NewCadre) {
    return this.db.cadre.create({
      data: {
        userid: input.userid,
        name: input.name,
        mobile: input.mobile ?? null,
        roles: input.roles,
        homeRegionId: input.homeRegionId,
        scopeRegionId: input.scopeRegionId ?? input.homeRegionId,
      },
      select: CADRE_ROW_SELECT,
    });
  }

  async setUserid(id: number, from: string, to: string) {
    const { count } = await this.db.cadre.updateMany({ where: { id, userid: from }, data: { userid: to } });
    return count === 1;
  }

  findByUserid(userid: string) {
    return this.db.cadre.findUnique({ where: { userid }, select: CADRE_ROW_SELECT });
  }

  // On every inbound message: plain SQL, a fraction of findMany's CPU.
  async findByUserids(userids: readonly string[]) {
    if (userids.length === 0) return [];
    const rows = await this.db.$queryRaw<(Omit<CadreRow, "roles"> & { roles: string[] })[]>`
      SELECT "id", "userid", "name", "mobile", "roles"::text[] AS "roles", "homeRegionId", "scopeRegionId", "active"
      FROM "Cadre" WHERE "userid" = ANY(${[...userids]}::text[])`;
    return rows.map((r) => ({ ...r, roles: r.roles as CadreRole[] }));
  }

  findById(id: number) {
    return this.db.cadre.findUnique({ where: { id }, select: CADRE_ROW_SELECT });
  }

  listActive() {
    return this.db.cadre.findMany({
      where: { active: true },
      select: CADRE_ROW_SELECT,
      orderBy: { id: "asc" },
    });
  }

  list(filter: { regionIds?: readonly number[]; role?: CadreRole; active?: boolean }) {
    return this.db.cadre.findMany({
      where: {
        ...(filter.regionIds ? { homeRegionId: { in: [...filter.regionIds] } } : {}),
        ...(filter.role ? { roles: { has: filter.role } } : {}),
        ...(filter.active === undefined ? {} : { active: filter.active }),
      },
      select: CADRE_ROW_SELECT,
      orderBy: { id: "asc" },
    });
  }

  update(id: number, patch: CadrePatch) {
    return this.db.cadre.update({ where: { id }, data: patch, select: CADRE_ROW_SELECT });
  }

  count() {
    return this.db.cadre.count();
  }
}
