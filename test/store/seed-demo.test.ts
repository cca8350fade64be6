import crypto from "node:crypto";
import { createIdCipher } from "../../src/store/id-cipher";
import { buildDemoTownship } from "../../src/store/seed/demo-township";
import { seedDemoIfEmpty } from "../../src/store/seed/seed-demo";
import { createTestDb, type TestDb } from "../helpers/test-db";

const now = new Date("2026-11-24T00:00:00Z");
const cipher = createIdCipher(crypto.randomBytes(32));
let db: TestDb;

beforeAll(async () => {
  db = await createTestDb();
});
afterAll(() => db.close());

test("the demo township is realistic", () => {
  const demo = buildDemoTownship(now);
  expect(demo.regions.filter((r) => r.level === "township")).toHaveLength(1);
  expect(demo.regions.filter((r) => r.level === "village")).toHaveLength(6);
  expect(demo.subjects.length).toBeGreaterThanOrEqual(55);
  expect(new Set(demo.subjects.map((s) => s.category)).size).toBe(8);
  expect(demo.cadres.length).toBeGreaterThanOrEqual(24);
  const leaders = demo.cadres.filter(
    (c) => c.roles.includes("township_leader") || c.roles.includes("county_admin"),
  );
  expect(leaders.length).toBeGreaterThanOrEqual(2);
  expect(demo.subjects.filter((s) => s.guarantors.length > 1).length).toBeGreaterThan(5);
  expect(demo.subjects.filter((s) => s.pause).length).toBeGreaterThanOrEqual(3);
  const earliest = Math.min(...demo.visits.map((v) => v.occurredAt.getTime()));
  expect(now.getTime() - earliest).toBeGreaterThan(45 * 86_400_000);
  expect(demo.visits.every((v) => v.occurredAt < now)).toBe(true);
  // Deterministic for the same clock.
  expect(buildDemoTownship(now)).toEqual(demo);
});

test("two concurrent seeds write the township once, and a later call writes nothing", async () => {
  const [a, b] = await Promise.all([
    seedDemoIfEmpty(db.prisma, cipher, now),
    seedDemoIfEmpty(db.prisma, cipher, now),
  ]);
  expect([a.seeded, b.seeded].filter(Boolean)).toHaveLength(1);
  const demo = buildDemoTownship(now);
  expect(await db.prisma.subject.count()).toBe(demo.subjects.length);
  expect(await db.prisma.cadre.count()).toBe(demo.cadres.length);
  expect(await db.prisma.visit.count()).toBe(demo.visits.length);
  const again = await seedDemoIfEmpty(db.prisma, cipher, now);
  expect(again.seeded).toBe(false);
  expect(await db.prisma.subject.count()).toBe(demo.subjects.length);
  expect(await db.prisma.subject.count({ where: { status: "paused" } })).toBeGreaterThanOrEqual(3);
  expect(await db.prisma.subject.count({ where: { idMasked: { contains: "**********" } } })).toBe(
    demo.subjects.length,
  );
});
