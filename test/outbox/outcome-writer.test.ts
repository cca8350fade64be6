/**
 * The worker records the outcomes of sends that finish together with one statement: each row
 * ends exactly as markSent / markRetry / markFailed would leave it, only while this worker still
 * holds its lease, and an outcome the database refuses fails alone.
 */
import { createOutboxWorker } from "../../src/outbox";
import { createOutcomeWriter } from "../../src/outbox/outcome-writer";
import {
  type OutboxOutcome,
  type OutboxRepository,
  PrismaOutboxRepository,
} from "../../src/store/outbox-repository";
import { createTestDb, type TestDb } from "../helpers/test-db";
import { createClock, createFakeWecom, T0, wecomError } from "./outbox-fixtures";

let db: TestDb;
let repo: PrismaOutboxRepository;
beforeAll(async () => {
  db = await createTestDb();
  repo = new PrismaOutboxRepository(db.prisma);
});
afterAll(() => db.close());
beforeEach(async () => {
  await db.prisma.outboundMessage.deleteMany();
});

let keySeq = 0;
/** Enqueues n messages (distinct recipients) and leases them to `workerId`; returns their ids. */
async function leased(n: number, workerId: string): Promise<number[]> {
  for (let i = 0; i < n; i++) {
    const key = `ow${++keySeq}`;
    await repo.enqueue({
      channel: "app",
      recipient: `r${keySeq}`,
      recipientKind: "user",
      body: { msgtype: "text", text: { content: key } },
      idempotencyKey: key,
      at: T0,
    });
  }
  const claimed = await repo.claimDue(T0, n, workerId, 60_000);
  await repo.beginAttempts(
    claimed.map((m) => m.id),
    workerId,
  );
  return claimed.map((m) => m.id).sort((a, b) => a - b);
}

async function row(id: number) {
  return db.prisma.outboundMessage.findUniqueOrThrow({
    where: { id },
    select: {
      status: true,
      attempts: true,
      nextAttemptAt: true,
      lockedBy: true,
      lockedUntil: true,
      wecomMsgId: true,
      error: true,
      sentAt: true,
    },
  });
}

/** The repository, counting markOutcomes statements and their sizes. */
function counting(inner: OutboxRepository, refuse?: (o: OutboxOutcome) => boolean) {
  const calls: number[] = [];
  return {
    calls,
    markOutcomes: async (outcomes: readonly OutboxOutcome[], workerId: string) => {
      calls.push(outcomes.length);
      if (refuse && outcomes.some(refuse)) throw new Error("refused by the database");
      return inner.markOutcomes(outcomes, workerId);
    },
  };
}

const at = new Date(T0.getTime() + 5_000);
const next = new Date(T0.getTime() + 65_000);

test("markOutcomes leaves each row exactly as the single-row statements do", async () => {
  const [s1, r1, f1, s2, r2, f2] = await leased(6, "w");
  // The same outcomes, once each way; a retry after a failed send keeps no sentAt, a send after
  // an earlier error keeps the error (as markSent does).
  await db.prisma.outboundMessage.updateMany({
    where: { id: { in: [s1!, s2!] } },
    data: { error: "earlier" },
  });
  expect(await repo.markSent(s1!, "w", "msgid-1", at)).toBe(true);
  expect(await repo.markRetry(r1!, "w", "timeout", next)).toBe(true);
  expect(await repo.markFailed(f1!, "w", "errcode 40003", at)).toBe(true);
  const recorded = await repo.markOutcomes(
    [
      { id: s2!, outcome: "sent", wecomMsgId: "msgid-1", at },
      { id: r2!, outcome: "retry", error: "timeout", nextAttemptAt: next },
      { id: f2!, outcome: "failed", error: "errcode 40003", at },
    ],
    "w",
  );
  expect([...recorded].sort((a, b) => a - b)).toEqual([s2, r2, f2]);
  expect(await row(s2!)).toEqual(await row(s1!));
  expect(await row(r2!)).toEqual(await row(r1!));
  expect(await row(f2!)).toEqual(await row(f1!));
  expect(await row(s2!)).toMatchObject({
    status: "sent",
    sentAt: at,
    wecomMsgId: "msgid-1",
    error: "earlier",
  });
  expect(await row(r2!)).toMatchObject({
    status: "pending",
    nextAttemptAt: next,
    sentAt: null,
    lockedBy: null,
  });
  expect(await row(f2!)).toMatchObject({ status: "failed", nextAttemptAt: at, error: "errcode 40003" });
});

test("only rows still leased to the worker are recorded; a message may not appear twice", async () => {
  const [mine, theirs] = await leased(2, "w");
  await db.prisma.outboundMessage.update({ where: { id: theirs! }, data: { lockedBy: "other" } });
  const before = await row(theirs!);
  const recorded = await repo.markOutcomes(
    [
      { id: mine!, outcome: "sent", wecomMsgId: null, at },
      { id: theirs!, outcome: "sent", wecomMsgId: null, at },
    ],
    "w",
  );
  expect([...recorded]).toEqual([mine]);
  expect(await row(theirs!)).toEqual(before);
  // Already recorded: the lease is gone, so a second outcome changes nothing.
  expect(await repo.markOutcomes([{ id: mine!, outcome: "failed", error: "x", at }], "w")).toEqual(new Set());
  expect((await row(mine!)).status).toBe("sent");
  await expect(
    repo.markOutcomes(
      [
        { id: mine!, outcome: "sent", wecomMsgId: null, at },
        { id: mine!, outcome: "sent", wecomMsgId: null, at },
      ],
      "w",
    ),
  ).rejects.toThrow(/twice/);
});

test("outcomes written together share statements; a refused one fails alone; a repeat waits its turn", async () => {
  const ids = await leased(41, "w");
  const bad = ids[7]!;
  const spy = counting(repo, (o) => o.id === bad);
  const writer = createOutcomeWriter(spy, "w");
  const writes = ids.map((id) =>
    writer.write({ id, outcome: "sent", wecomMsgId: `m${id}`, at }).then(
      (ok) => ({ id, ok }),
      (err: Error) => ({ id, err: err.message }),
    ),
  );
  // A second outcome for a message already waiting goes in a later statement, after the first.
  const repeat = writer.write({ id: ids[0]!, outcome: "failed", error: "late", at });
  const results = await Promise.all(writes);
  expect(await repeat).toBe(false);

  expect(results.filter((r) => "err" in r)).toEqual([{ id: bad, err: "refused by the database" }]);
  expect(results.filter((r) => "ok" in r && r.ok)).toHaveLength(40);
  // One shared statement (refused), then one per outcome, then the repeat.
  expect(spy.calls.slice(0, 1)).toEqual([41]);
  expect(spy.calls.slice(1, 42).every((n) => n === 1)).toBe(true);
  expect(spy.calls.at(-1)).toBe(1);
  expect(spy.calls).toHaveLength(43);
  for (const id of ids) {
    expect(await row(id)).toMatchObject(
      id === bad
        ? { status: "sending", lockedBy: "w" } // reclaimed after the lease, as after a crash
        : { status: "sent", wecomMsgId: `m${id}`, sentAt: at, lockedBy: null },
    );
  }
});

test("a worker round records its sends, retries and failures with a few statements", async () => {
  for (let i = 0; i < 30; i++) {
    await repo.enqueue({
      channel: "app",
      recipient: `u${i}`,
      recipientKind: "user",
      body: { msgtype: "text", text: { content: `第${i}条` } },
      idempotencyKey: `round${i}`,
      at: T0,
    });
  }
  const clock = createClock();
  clock.set(1_000);
  const wecom = createFakeWecom(clock, (d) => {
    if (d.recipient === "u3") return wecomError(40003, false);
    if (d.recipient === "u4") return wecomError(-1, true);
    return null;
  });
  let statements = 0;
  const spied: OutboxRepository = new Proxy(repo, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (prop === "markSent" || prop === "markRetry" || prop === "markFailed") {
        throw new Error(`${prop} is not expected on the delivery path`);
      }
      if (prop !== "markOutcomes") return value;
      return (...args: Parameters<OutboxRepository["markOutcomes"]>) => {
        statements++;
        return target.markOutcomes(...args);
      };
    },
  });
  const worker = createOutboxWorker({
    repo: spied,
    deliver: wecom.deliver,
    now: clock.now,
    workerId: "round",
    limits: { maxInFlight: 30 },
    random: () => 0.5,
  });
  expect(await worker.runOnce()).toMatchObject({
    claimed: 30,
    sent: 28,
    retried: 1,
    failed: 1,
    unrecorded: 0,
  });
  expect(statements).toBeLessThanOrEqual(3);
  const counts = await repo.countByStatus();
  expect(counts).toEqual({ pending: 1, sending: 0, sent: 28, failed: 1 });
  expect(await repo.findByKey("round4")).toMatchObject({
    status: "pending",
    error: expect.stringContaining("-1"),
  });
});
