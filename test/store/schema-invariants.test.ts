import { PrismaCadreRepository } from "../../src/store/cadre-repository";
import { PrismaJobRunRepository } from "../../src/store/job-run-repository";
import { PrismaRegionRepository } from "../../src/store/region-repository";
import { isUniqueViolation } from "../../src/store/unique-violation";
import { createTestDb, type TestDb } from "../helpers/test-db";

let db: TestDb;
let villageId: number;
const now = new Date("2026-11-24T00:30:00Z");

beforeAll(async () => {
  db = await createTestDb();
  const regions = new PrismaRegionRepository(db.prisma);
  const county = await regions.create({ code: "C1", name: "县", level: "county" });
  const village = await regions.create({ code: "V1", name: "村", level: "village", parentId: county.id });
  villageId = village.id;
});
afterAll(() => db.close());

async function expectUnique(p: Promise<unknown>) {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).not.toBeNull();
  expect(isUniqueViolation(err)).toBe(true);
}

test("a WeCom userid belongs to one cadre", async () => {
  const cadres = new PrismaCadreRepository(db.prisma);
  await cadres.create({ userid: "zhangsan", name: "张三", roles: ["guarantor"], homeRegionId: villageId });
  await expectUnique(
    cadres.create({ userid: "zhangsan", name: "张三二", roles: ["guarantor"], homeRegionId: villageId }),
  );
  expect(await cadres.count()).toBe(1);
});

test("an inbound message is stored once per channel and external id", async () => {
  const data = { channel: "app", externalId: "m1", fromUser: "u", msgType: "text", payload: {} };
  await db.prisma.inboundMessage.create({ data });
  await expectUnique(db.prisma.inboundMessage.create({ data }));
  // The same id on another channel is a different message.
  await db.prisma.inboundMessage.create({ data: { ...data, channel: "bot" } });
  expect(await db.prisma.inboundMessage.count()).toBe(2);
});

test("an outbound message is enqueued once per idempotency key", async () => {
  const data = { channel: "app", recipient: "u", body: { text: "x" }, idempotencyKey: "daily:2026-11-24:u" };
  await db.prisma.outboundMessage.create({ data });
  await expectUnique(db.prisma.outboundMessage.create({ data }));
});

test("a job runs once per period key, across instances", async () => {
  const jobs = new PrismaJobRunRepository(db.prisma);
  const [a, b] = await Promise.all([
    jobs.claim("daily-push", "2026-11-24", "instance-a", now),
    jobs.claim("daily-push", "2026-11-24", "instance-b", now),
  ]);
  expect([a, b].filter((x) => x !== null)).toHaveLength(1);
  expect(await jobs.claim("daily-push", "2026-11-25", "instance-a", now)).not.toBeNull();
  const won = (a ?? b)!;
  await jobs.finish(won.id, { enqueued: 3 }, now);
  expect(await jobs.find("daily-push", "2026-11-24")).toEqual({ status: "done", result: { enqueued: 3 } });
});

test("a visit is recorded once per source message", async () => {
  const cadre = await db.prisma.cadre.findUniqueOrThrow({ where: { userid: "zhangsan" } });
  const subject = await db.prisma.subject.create({
    data: { name: "李四", regionId: villageId, category: "drug_rehab", level: "medium" },
  });
  const visit = {
    subjectId: subject.id,
    cadreId: cadre.id,
    occurredAt: now,
    outcome: "normal" as const,
    sourceMessageId: "app:m42",
  };
  await db.prisma.visit.create({ data: visit });
  await expectUnique(db.prisma.visit.create({ data: visit }));
});

test("a guarantee is unique per subject, cadre and start date", async () => {
  const cadre = await db.prisma.cadre.findUniqueOrThrow({ where: { userid: "zhangsan" } });
  const subject = await db.prisma.subject.findFirstOrThrow({ where: { name: "李四" } });
  const data = { subjectId: subject.id, cadreId: cadre.id, startDate: new Date("2026-01-01") };
  await db.prisma.guarantee.create({ data });
  await expectUnique(db.prisma.guarantee.create({ data }));
});

test("a cadence policy is unique per region scope, category and level", async () => {
  const data = {
    category: "mental_disorder" as const,
    level: "risk0",
    period: "quarter" as const,
    source: "测试",
  };
  await db.prisma.cadencePolicy.create({ data });
  await expectUnique(db.prisma.cadencePolicy.create({ data }));
  await db.prisma.cadencePolicy.create({ data: { ...data, regionCode: "V1" } });
});
