import type { RegionTree } from "../planning/region-tree";
import type { PlanRegion } from "../store/plan-input-repository";

/** Where a person is registered, as the register's columns name it. */
export interface Place {
  township: string;
  village: string;
  grid: string;
}

/**
 * Region names as the exports write them, from the region tree: a person's township, village
 * and grid (a person registered on a township has no village), and a region reference for the
 * cadres' columns — the name, or the code when another region bears the same name (the import
 * matches a code first and rejects an ambiguous name).
 */
export interface RegionPlaces {
  placeOf(regionId: number): Place;
  /** The region's name, or its code when the name is not unique in the register. */
  refOf(regionId: number): string;
  /** The region's ancestors and subtree (everything without a root), parents before children. */
  subtree(root: PlanRegion | null): PlanRegion[];
}

export function regionPlaces(tree: RegionTree): RegionPlaces {
  const nameCount = new Map<string, number>();
  for (const r of tree.byId.values()) nameCount.set(r.name, (nameCount.get(r.name) ?? 0) + 1);
  const places = new Map<number, Place>();
  return {
    placeOf(regionId) {
      const cached = places.get(regionId);
      if (cached) return cached;
      const place: Place = { township: "", village: "", grid: "" };
      for (const id of tree.ancestorIds(regionId)) {
        const r = tree.byId.get(id);
        if (!r) continue;
        if (r.level === "grid" && !place.grid) place.grid = r.name;
        else if (r.level === "village" && !place.village) place.village = r.name;
        else if (r.level === "township" && !place.township) place.township = r.name;
      }
      places.set(regionId, place);
      return place;
    },
    refOf(regionId) {
      const r = tree.byId.get(regionId);
      if (!r) return "";
      return (nameCount.get(r.name) ?? 0) > 1 ? r.code : r.name;
    },
    subtree(root) {
      const all = [...tree.byId.values()];
      const inside = root
        ? all.filter((r) => r.path.startsWith(root.path) || root.path.startsWith(r.path))
        : all;
      return inside.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    },
  };
}
