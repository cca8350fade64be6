/**
 * Group commit of inbound messages: concurrent callbacks share INSERTs, every caller gets its own
 * row (or learns it is a redelivery) only after the row is stored, and a message the database
 * refuses fails alone.
 */
import { createInboundRecorder } from "../../src/store/inbound-recorder";
import {
  type InboundRepository,
  type NewInbound,
  PrismaInboundRepository,
} from "../../src/store/inbound-repository";
import { createTestDb, type TestDb } from "../helpers/test-db";

let db: TestDb;
let repo: PrismaInboundRepository;
beforeAll(async () => {
  db = await createTestDb();
  repo = new PrismaInboundRepository(db.prisma);
});
afterAll(() => db.close());

const at = new Date("2026-11-24T01:00:00.123Z");
let seq = 0;
function message(over: Partial<NewInbound> = {}): NewInbound {
  seq++;
  return {
    channel: "app",
    externalId: `m${seq}`,
    fromUser: `u${seq % 7}`,
    msgType: "text",
    payload: { xml: `<xml><Content>第${seq}条</Content></xml>` },
    receivedAt: at,
    ...over,
  };
}

/** The repository, counting the statements (recordMany calls) that reach it. */
function counting(inner: InboundRepository) {
  const calls: number[] = [];
  return {
    calls,
    recordMany: (inputs: readonly NewInbound[]) => {
      calls.push(inputs.length);
      return inner.recordMany(inputs);
    },
  };
}

test("60 concurrent messages share a few INSERTs; each is stored once with its own id and content", async () => {
  const spy = counting(repo);
  const recorder = createInboundRecorder(spy, { concurrency: 2 });
  const inputs = Array.from({ length: 60 }, () => message());
  const results = await Promise.all(inputs.map((m) => recorder.record(m)));

  expect(results.every((r) => !r.duplicate)).toBe(true);
  expect(new Set(results.map((r) => r.id)).size).toBe(60);
  expect(spy.calls.reduce((a, b) => a + b, 0)).toBe(60);
  expect(spy.calls.length).toBeLessThanOrEqual(3);
  const rows = await db.sql<{ id: number; externalId: string; fromUser: string; payload: unknown }>(
    `SELECT "id", "externalId", "fromUser", "payload" FROM "InboundMessage" WHERE "id" = ANY($1::int[])`,
    [results.map((r) => r.id)],
  );
  expect(rows).toHaveLength(60);
  inputs.forEach((input, i) => {
    const row = rows.find((r) => r.id === results[i]?.id);
    expect(row).toMatchObject({
      externalId: input.externalId,
      fromUser: input.fromUser,
      payload: input.payload,
    });
  });
  // timestamp(3) holding UTC, as Prisma writes it: read back through Prisma, the same instant.
  const viaPrisma = await repo.find(results[0]?.id ?? 0);
  expect(viaPrisma?.receivedAt.toISOString()).toBe(at.toISOString());
  expect(viaPrisma?.status).toBe("received");
});

test("a redelivery is a duplicate with the stored id, within one batch and across batches", async () => {
  const recorder = createInboundRecorder(repo);
  const first = message();
  const [a, b, c] = await Promise.all([
    recorder.record(first),
    recorder.record({ ...first, receivedAt: new Date(at.getTime() + 5) }),
    recorder.record({ ...first }),
  ]);
  expect(a).toEqual({ id: expect.any(Number), duplicate: false });
  expect(b).toEqual({ id: a?.id, duplicate: true });
  expect(c).toEqual({ id: a?.id, duplicate: true });
  // Later, alone and mixed with new messages.
  const fresh = message();
  const [d, e] = await Promise.all([recorder.record({ ...first }), recorder.record(fresh)]);
  expect(d).toEqual({ id: a?.id, duplicate: true });
  expect(e?.duplicate).toBe(false);
  // The same MsgId on another channel is another message.
  const other = await recorder.record({ ...first, channel: "app-2" });
  expect(other.duplicate).toBe(false);
  expect(other.id).not.toBe(a?.id);
  const stored = await db.sql<{ n: number }>(
    `SELECT count(*)::int AS n FROM "InboundMessage" WHERE "externalId" = $1`,
    [first.externalId],
  );
  expect(stored[0]?.n).toBe(2);
});

test("a message the database refuses fails alone; the others in its batch are stored", async () => {
  const spy = counting(repo);
  const recorder = createInboundRecorder(spy, { concurrency: 1 });
  // PostgreSQL's jsonb cannot hold U+0000: this row is refused.
  const bad = message({ payload: { xml: "bad\u0000byte" } });
  const good = Array.from({ length: 5 }, () => message());
  const settled = await Promise.allSettled([...good, bad].map((m) => recorder.record(m)));
  expect(settled.slice(0, 5).every((s) => s.status === "fulfilled" && !s.value.duplicate)).toBe(true);
  expect(settled[5]?.status).toBe("rejected");
  // One shared attempt, then one statement per message.
  expect(spy.calls[0]).toBe(6);
  const rows = await db.sql<{ externalId: string }>(
    `SELECT "externalId" FROM "InboundMessage" WHERE "externalId" = ANY($1::text[])`,
    [[...good, bad].map((m) => m.externalId)],
  );
  expect(rows.map((r) => r.externalId).sort()).toEqual(good.map((m) => m.externalId).sort());
});

test("claimMany claims each received message once", async () => {
  const ids = await repo.recordMany([message(), message(), message()]);
  const [x, y, z] = ids.map((r) => r.id) as [number, number, number];
  expect([...(await repo.claimMany([x, y], at))].sort()).toEqual([x, y].sort());
  expect([...(await repo.claimMany([x, y, z], at))]).toEqual([z]);
  expect(await repo.claim(z, at)).toBe(false);
  expect((await repo.find(x))?.status).toBe("processed");
});

test("busy and longestWaitMs tell whether a message is waiting to be stored", async () => {
  let release: () => void = () => {};
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  // A repository that holds the write until released, as a busy connection would.
  const recorder = createInboundRecorder({
    recordMany: async (inputs) => {
      await gate;
      return repo.recordMany(inputs);
    },
  });
  expect(recorder.busy()).toBe(false);
  expect(recorder.longestWaitMs()).toBe(0);
  const pending = recorder.record(message());
  expect(recorder.busy()).toBe(true);
  await new Promise((r) => setTimeout(r, 30));
  expect(recorder.longestWaitMs()).toBeGreaterThanOrEqual(20);
  release();
  expect((await pending).duplicate).toBe(false);
  await new Promise((r) => setImmediate(r));
  expect(recorder.busy()).toBe(false);
  expect(recorder.longestWaitMs()).toBe(0);
});
