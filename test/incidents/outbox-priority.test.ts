/**
 * Emergencies do not wait behind the morning push: the outbox claims higher priority first,
 * whatever the due times, and keeps due-time order within a priority.
 */
import {
  type EnqueueInput,
  OUTBOX_PRIORITY_URGENT,
  PrismaOutboxRepository,
} from "../../src/store/outbox-repository";
import { createTestDb, type TestDb } from "../helpers/test-db";

let db: TestDb;
let repo: PrismaOutboxRepository;
const T0 = new Date("2026-11-24T00:30:00.000Z");
const at = (ms: number) => new Date(T0.getTime() + ms);

beforeAll(async () => {
  db = await createTestDb();
  repo = new PrismaOutboxRepository(db.prisma);
});
afterAll(() => db.close());

const message = (key: string, extra: Partial<EnqueueInput> = {}): EnqueueInput => ({
  channel: "app",
  recipient: `u-${key}`,
  recipientKind: "user",
  body: { msgtype: "text", text: { content: key } },
  idempotencyKey: key,
  at: T0,
  ...extra,
});

test("an urgent message enqueued after 2,000 due cards is claimed first; the cards keep their order", async () => {
  const cards = Array.from({ length: 2000 }, (_, i) => message(`daily:${i}`, { at: at(i) }));
  await repo.enqueueMany(cards);
  await repo.enqueue(message("incident:1:r0:7", { at: at(5000), priority: OUTBOX_PRIORITY_URGENT }));
  await repo.enqueue(message("incident:1:r0:8", { at: at(5001), priority: OUTBOX_PRIORITY_URGENT }));
  const claimed = await repo.claimDue(at(10_000), 4, "w1", 60_000);
  expect(claimed.map((m) => [m.idempotencyKey, m.priority])).toEqual([
    ["incident:1:r0:7", OUTBOX_PRIORITY_URGENT],
    ["incident:1:r0:8", OUTBOX_PRIORITY_URGENT],
    ["daily:0", 0],
    ["daily:1", 0],
  ]);
  // A priority message not yet due does not jump the queue.
  await repo.enqueue(
    message("later", { at: at(5002), notBefore: at(60_000), priority: OUTBOX_PRIORITY_URGENT }),
  );
  const next = await repo.claimDue(at(10_000), 1, "w1", 60_000);
  expect(next.map((m) => m.idempotencyKey)).toEqual(["daily:2"]);
});
