import { PrismaRegionRepository } from "../../src/store/region-repository";
import { createTestDb, type TestDb } from "../helpers/test-db";

let db: TestDb;
let repo: PrismaRegionRepository;
const ids: Record<string, number> = {};

beforeAll(async () => {
  db = await createTestDb();
  repo = new PrismaRegionRepository(db.prisma);
  // county → two townships → villages → a grid; "T1" and "T10" share a textual prefix on purpose.
  const tree: [string, "county" | "township" | "village" | "grid", string | null][] = [
    ["C", "county", null],
    ["T1", "township", "C"],
    ["T10", "township", "C"],
    ["V1", "village", "T1"],
    ["V2", "village", "T1"],
    ["V3", "village", "T10"],
    ["G1", "grid", "V1"],
  ];
  for (const [code, level, parent] of tree) {
    const row = await repo.create({ code, name: code, level, parentId: parent ? ids[parent] : null });
    ids[code] = row.id;
  }
});
afterAll(() => db.close());

test("a subtree holds the region and everything under it, nothing beside it", async () => {
  const codes = (await repo.listSubtree(ids.T1!)).map((r) => r.code).sort();
  expect(codes).toEqual(["G1", "T1", "V1", "V2"]);
  expect((await repo.listSubtree(ids.C!)).length).toBe(7);
  expect((await repo.listSubtree(ids.G1!)).map((r) => r.code)).toEqual(["G1"]);
});

test("ids that are textual prefixes of each other do not leak into each other's subtree", async () => {
  // Materialised paths end in "/", so "/1/2/" never matches "/1/20/".
  const t10 = (await repo.listSubtree(ids.T10!)).map((r) => r.code).sort();
  expect(t10).toEqual(["T10", "V3"]);
});

test("ancestors run from the root to the region", async () => {
  expect((await repo.listAncestors(ids.G1!)).map((r) => r.code)).toEqual(["C", "T1", "V1", "G1"]);
});

test("isWithin answers jurisdiction questions", async () => {
  expect(await repo.isWithin(ids.G1!, ids.T1!)).toBe(true);
  expect(await repo.isWithin(ids.V3!, ids.T1!)).toBe(false);
  expect(await repo.isWithin(ids.T1!, ids.G1!)).toBe(false);
  expect(await repo.isWithin(ids.V1!, ids.V1!)).toBe(true);
});

test("an unknown region has no subtree and no ancestors", async () => {
  expect(await repo.listSubtree(999_999)).toEqual([]);
  expect(await repo.listAncestors(999_999)).toEqual([]);
});
