import type { PlanRegion } from "../store/plan-input-repository";

/**
 * The region tree read from `Region.path` (`/1/4/17/`): code chains for policy resolution and
 * ancestor ids for jurisdictions (a leader's scope covers a subject when the scope region is on
 * the subject region's path).
 */
export interface RegionTree {
  byId: ReadonlyMap<number, PlanRegion>;
  byCode: ReadonlyMap<string, PlanRegion>;
  /** Region code → its code and its ancestors' codes, nearest first (the domain's RegionAncestry). */
  ancestry: ReadonlyMap<string, readonly string[]>;
  /** The region's id and its ancestors' ids, nearest first. */
  ancestorIds(regionId: number): readonly number[];
  /** True when `regionId` lies in the subtree rooted at `rootId`. */
  isWithin(regionId: number, rootId: number): boolean;
}

const NONE: readonly number[] = Object.freeze([]);

/** Builds the tree from every region row. */
export function buildRegionTree(regions: readonly PlanRegion[]): RegionTree {
  const byId = new Map<number, PlanRegion>();
  const byCode = new Map<string, PlanRegion>();
  for (const region of regions) {
    byId.set(region.id, region);
    byCode.set(region.code, region);
  }
  const idChains = new Map<number, readonly number[]>();
  const ancestry = new Map<string, readonly string[]>();
  for (const region of regions) {
    const ids = region.path
      .split("/")
      .filter((part) => part !== "")
      .map(Number)
      .reverse();
    idChains.set(region.id, ids);
    ancestry.set(
      region.code,
      ids.map((id) => byId.get(id)?.code).filter((code): code is string => code !== undefined),
    );
  }
  return {
    byId,
    byCode,
    ancestry,
    ancestorIds: (regionId) => idChains.get(regionId) ?? NONE,
    isWithin: (regionId, rootId) => (idChains.get(regionId) ?? NONE).includes(rootId),
  };
}
