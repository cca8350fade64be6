import crypto from "node:crypto";
import { DEFAULT_CADENCE_POLICIES } from "../../src/domain/cadence-defaults";
import { createPolicyResolver } from "../../src/domain/policy";
import { loadPolicies } from "../../src/planning/cadence-data";
import { createIdCipher } from "../../src/store/id-cipher";
import { createStore, type Store } from "../../src/store/store";
import { createTestDb, type TestDb } from "../helpers/test-db";

let db: TestDb;
let store: Store;
const at = new Date("2026-11-24T00:00:00Z");
beforeAll(async () => {
  db = await createTestDb();
  store = createStore(db.prisma, createIdCipher(crypto.randomBytes(32)));
});
afterAll(() => db.close());

it("seeds the default table once, also when two instances start together", async () => {
  const [a, b] = await Promise.all([
    store.policies.seedDefaultsIfEmpty(DEFAULT_CADENCE_POLICIES, at),
    store.policies.seedDefaultsIfEmpty(DEFAULT_CADENCE_POLICIES, at),
  ]);
  expect(a + b).toBe(DEFAULT_CADENCE_POLICIES.length);
  expect(await store.policies.seedDefaultsIfEmpty(DEFAULT_CADENCE_POLICIES, at)).toBe(0);
  // What is stored reads back as the shipped rows, sources included.
  expect(new Set((await loadPolicies(store)).map((p) => JSON.stringify(p)))).toEqual(
    new Set(DEFAULT_CADENCE_POLICIES.map((p) => JSON.stringify(p))),
  );
  // And resolves without duplicates.
  expect(() => createPolicyResolver(DEFAULT_CADENCE_POLICIES)).not.toThrow();
});

it("upserts by (region, category, level) and resets a region back to the parent rule", async () => {
  const row = {
    regionCode: "4201",
    category: "petitioner" as const,
    level: "key",
    method: "in_person" as const,
    period: "week" as const,
    intervalDays: null,
    minCount: 2,
    rule: "each" as const,
    source: "市里规定",
  };
  expect((await store.policies.upsert(row, "tester", at)).created).toBe(true);
  const changed = await store.policies.upsert({ ...row, minCount: 3 }, "tester2", at);
  expect(changed.created).toBe(false);
  expect(changed.row).toMatchObject({ minCount: 3, updatedBy: "tester2" });
  expect(await store.policies.count()).toBe(DEFAULT_CADENCE_POLICIES.length + 1);

  // A row of period != days never keeps an interval.
  const weekly = await store.policies.upsert({ ...row, intervalDays: 5 }, "tester", at);
  expect(weekly.row.intervalDays).toBeNull();

  expect(await store.policies.reset({ regionCode: "4201" }, DEFAULT_CADENCE_POLICIES, "tester", at)).toEqual({
    deleted: 1,
    restored: 0,
  });
  await store.policies.upsert(
    { ...row, regionCode: "*", level: "*", source: "改过的全域规则" },
    "tester",
    at,
  );
  expect(
    await store.policies.reset({ category: "petitioner" }, DEFAULT_CADENCE_POLICIES, "tester", at),
  ).toEqual({ deleted: 1, restored: 1 });
  const petitioner = (await store.policies.list()).filter((p) => p.category === "petitioner");
  expect(petitioner).toEqual([
    expect.objectContaining({ regionCode: "*", level: "*", period: "month", rule: "any" }),
  ]);
});
