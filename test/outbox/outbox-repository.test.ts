import { createPrismaClient, type PrismaClient } from "../../src/store/prisma-client";
import { type EnqueueInput, PrismaOutboxRepository } from "../../src/store/outbox-repository";
import { createTestDb, isPostgresRun, type TestDb } from "../helpers/test-db";

let db: TestDb;
let repo: PrismaOutboxRepository;
const T0 = new Date("2026-11-24T08:00:00.000Z");
const at = (ms: number) => new Date(T0.getTime() + ms);

beforeAll(async () => {
  db = await createTestDb();
  // A session time zone other than UTC: raw SQL timestamps must still agree with Prisma's (UTC).
  if (isPostgresRun()) {
    await db.sql(
      `DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET timezone = %L', current_database(), 'Asia/Shanghai'); END $$`,
    );
  } else {
    await db.sql(`SET timezone = 'Asia/Shanghai'`);
  }
  repo = new PrismaOutboxRepository(db.prisma);
});
afterAll(() => db.close());

beforeEach(async () => {
  await db.prisma.outboundMessage.deleteMany();
});

function message(key: string, extra: Partial<EnqueueInput> = {}): EnqueueInput {
  return {
    channel: "app",
    recipient: "zhangsan",
    recipientKind: "user",
    body: { msgtype: "text", text: { content: `hello ${key}` } },
    idempotencyKey: key,
    at: T0,
    ...extra,
  };
}

test("the session time zone really is not UTC (so the timestamp tests below mean something)", async () => {
  const rows = await db.prisma.$queryRaw<{ tz: string }[]>`SELECT current_setting('TimeZone') AS tz`;
  expect(rows[0]?.tz).toBe("Asia/Shanghai");
});

describe("enqueue", () => {
  test("inside a transaction that rolls back, nothing stays", async () => {
    await expect(
      db.prisma.$transaction(async (tx) => {
        const r = await new PrismaOutboxRepository(tx).enqueue(message("k-rollback"));
        expect(r.created).toBe(true);
        throw new Error("the business change failed");
      }),
    ).rejects.toThrow("the business change failed");
    expect(await db.prisma.outboundMessage.count()).toBe(0);
    expect(await repo.findByKey("k-rollback")).toBeNull();
  });

  test("inside a transaction that commits, one row; running the whole transaction again adds none", async () => {
    const runTx = () =>
      db.prisma.$transaction(async (tx) => new PrismaOutboxRepository(tx).enqueue(message("k-commit")));
    const first = await runTx();
    const again = await runTx();
    expect(first.created).toBe(true);
    expect(again).toEqual({ id: first.id, created: false });
    expect(await db.prisma.outboundMessage.count()).toBe(1);
    const row = await repo.findByKey("k-commit");
    expect(row).toMatchObject({ id: first.id, status: "pending", attempts: 0, recipient: "zhangsan" });
  });

  test("a duplicate key inside the same transaction does not abort it", async () => {
    const ids = await db.prisma.$transaction(async (tx) => {
      const r = new PrismaOutboxRepository(tx);
      const a = await r.enqueue(message("k-same-tx"));
      const b = await r.enqueue(message("k-same-tx"));
      const c = await r.enqueue(message("k-other"));
      return [a, b, c];
    });
    expect(ids[0]?.created).toBe(true);
    expect(ids[1]).toEqual({ id: ids[0]?.id, created: false });
    expect(ids[2]?.created).toBe(true);
    expect(await db.prisma.outboundMessage.count()).toBe(2);
  });

  test("two transactions enqueuing the same key concurrently end with one row, both see its id", async () => {
    let inserted!: () => void;
    const firstInserted = new Promise<void>((r) => {
      inserted = r;
    });
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const first = db.prisma.$transaction(async (tx) => {
      const r = await new PrismaOutboxRepository(tx).enqueue(message("k-race"));
      inserted();
      await gate;
      return r;
    });
    await firstInserted;
    // On PostgreSQL the second INSERT … ON CONFLICT waits for the first transaction to commit;
    // on PGlite transactions are serialised anyway.
    const second = db.prisma.$transaction(async (tx) =>
      new PrismaOutboxRepository(tx).enqueue(message("k-race")),
    );
    setImmediate(release);
    const [a, b] = await Promise.all([first, second]);
    expect(a.created).toBe(true);
    expect(b).toEqual({ id: a.id, created: false });
    expect(await db.prisma.outboundMessage.count()).toBe(1);
  });

  test("notBefore delays the message; without it, `at` makes it due at once", async () => {
    await repo.enqueue(message("k-now"));
    await repo.enqueue(message("k-later", { notBefore: at(60_000) }));
    const claim = async (t: Date) =>
      (await repo.claimDue(t, 10, "w", 3_600_000)).map((m) => m.idempotencyKey);
    expect(await claim(T0)).toEqual(["k-now"]);
    expect(await claim(at(59_999))).toEqual([]);
    expect(await claim(at(60_000))).toEqual(["k-later"]);
  });
});

describe("claimDue", () => {
  test("leases due messages oldest first, exactly at the due time, and returns the stored body", async () => {
    await repo.enqueue(message("c", { notBefore: at(2) }));
    await repo.enqueue(message("a", { notBefore: at(1) }));
    await repo.enqueue(message("b", { notBefore: at(1) }));
    await repo.enqueue(message("d", { notBefore: at(5) }));
    expect(await repo.claimDue(at(0), 10, "w1", 1000)).toEqual([]);
    expect(await repo.hasDue(at(0))).toBe(false);
    expect(await repo.hasDue(at(1))).toBe(true);
    const claimed = await repo.claimDue(at(2), 10, "w1", 30_000);
    expect(claimed.map((m) => m.idempotencyKey)).toEqual(["a", "b", "c"]);
    expect(claimed[0]).toMatchObject({
      recipientKind: "user",
      attempts: 0,
      body: { msgtype: "text", text: { content: "hello a" } },
      reclaimedFrom: null,
    });
    const row = await repo.findByKey("a");
    expect(row).toMatchObject({ status: "sending", lockedBy: "w1", lockedUntil: at(30_002), attempts: 0 });
    // Leased rows are not due again while the lease holds.
    expect((await repo.claimDue(at(5), 10, "w2", 1000)).map((m) => m.idempotencyKey)).toEqual(["d"]);
  });

  test("respects the limit", async () => {
    for (let i = 0; i < 5; i++) await repo.enqueue(message(`l${i}`));
    expect((await repo.claimDue(T0, 2, "w", 1000)).map((m) => m.idempotencyKey)).toEqual(["l0", "l1"]);
    expect(await repo.claimDue(T0, 0, "w", 1000)).toEqual([]);
  });

  test("a sending row whose lease expired is claimable again, with the old lease reported", async () => {
    await repo.enqueue(message("k"));
    const [first] = await repo.claimDue(T0, 1, "dead-worker", 10_000);
    await repo.beginAttempts([first!.id], "dead-worker");
    expect(await repo.claimDue(at(9_999), 1, "w2", 10_000)).toEqual([]);
    const [again] = await repo.claimDue(at(10_000), 1, "w2", 10_000);
    expect(again).toMatchObject({
      id: first!.id,
      attempts: 1,
      reclaimedFrom: { lockedBy: "dead-worker", lockedUntil: at(10_000) },
    });
    // The dead worker's late writes are ignored: the lease is w2's now.
    expect(await repo.markSent(first!.id, "dead-worker", "m1", at(10_001))).toBe(false);
    expect(await repo.markRetry(first!.id, "dead-worker", "x", at(10_001))).toBe(false);
    expect(await repo.markFailed(first!.id, "dead-worker", "x", at(10_001))).toBe(false);
    expect(await repo.release(first!.id, "dead-worker", at(10_001))).toBe(false);
    expect(await repo.markSent(first!.id, "w2", "msgid-1", at(10_002))).toBe(true);
    expect(await repo.findByKey("k")).toMatchObject({
      status: "sent",
      wecomMsgId: "msgid-1",
      sentAt: at(10_002),
      lockedBy: null,
      lockedUntil: null,
    });
    // A sent row is never claimed again.
    expect(await repo.claimDue(at(1e9), 10, "w3", 1000)).toEqual([]);
  });

  test("two workers racing never claim the same row, and together claim every row", async () => {
    const n = 300;
    await db.prisma.outboundMessage.createMany({
      data: Array.from({ length: n }, (_, i) => ({
        channel: "app",
        recipient: `u${i % 17}`,
        recipientKind: "user",
        body: { i },
        idempotencyKey: `race-${i}`,
        nextAttemptAt: T0,
        createdAt: T0,
      })),
    });
    // Two workers with their own connection pools, each with several concurrent claimers.
    const other: PrismaClient = createPrismaClient(db.url, { maxConnections: 4 });
    try {
      const repos = [new PrismaOutboxRepository(db.prisma), new PrismaOutboxRepository(other)];
      const claims = new Map<number, string>();
      const duplicates: number[] = [];
      const claimer = async (worker: number, lane: number) => {
        const r = repos[worker]!;
        for (;;) {
          const got = await r.claimDue(T0, 7, `w${worker}`, 60_000);
          if (got.length === 0) return;
          for (const m of got) {
            if (claims.has(m.id)) duplicates.push(m.id);
            claims.set(m.id, `w${worker}.${lane}`);
          }
        }
      };
      await Promise.all([0, 1].flatMap((w) => [0, 1, 2, 3].map((lane) => claimer(w, lane))));
      expect(duplicates).toEqual([]);
      expect(claims.size).toBe(n);
      // Both workers got work (the race was real), and the table agrees with what they were told.
      const byWorker = new Set([...claims.values()].map((v) => v.split(".")[0]));
      expect(byWorker.size).toBe(2);
      const rows = await db.sql<{ lockedBy: string; c: number }>(
        `SELECT "lockedBy", count(*)::int AS c FROM "OutboundMessage" WHERE status = 'sending' GROUP BY 1`,
      );
      const told = [...claims.values()].reduce<Record<string, number>>((acc, v) => {
        const w = v.split(".")[0]!;
        acc[w] = (acc[w] ?? 0) + 1;
        return acc;
      }, {});
      expect(Object.fromEntries(rows.map((r) => [r.lockedBy, r.c]))).toEqual(told);
    } finally {
      await other.$disconnect();
    }
  });
});

describe("recording outcomes and querying state", () => {
  test("retry, release and failure move the row as documented; counts by status add up", async () => {
    for (const k of ["r", "d", "f", "s", "p"]) await repo.enqueue(message(k));
    const claimed = await repo.claimDue(T0, 4, "w", 60_000);
    const id = (k: string) => claimed.find((m) => m.idempotencyKey === k)!.id;
    await repo.beginAttempts([id("r"), id("f"), id("s")], "w");
    expect(await repo.markRetry(id("r"), "w", "errcode=-1 system busy", at(5_000))).toBe(true);
    expect(await repo.release(id("d"), "w", at(60_000))).toBe(true);
    expect(await repo.markFailed(id("f"), "w", "errcode=81013 all recipients invalid", at(1))).toBe(true);
    expect(await repo.markSent(id("s"), "w", null, at(2))).toBe(true);

    expect(await repo.findByKey("r")).toMatchObject({
      status: "pending",
      attempts: 1,
      nextAttemptAt: at(5_000),
      error: "errcode=-1 system busy",
      lockedBy: null,
    });
    expect(await repo.findByKey("d")).toMatchObject({
      status: "pending",
      attempts: 0,
      nextAttemptAt: at(60_000),
    });
    expect(await repo.findByKey("f")).toMatchObject({
      status: "failed",
      attempts: 1,
      error: "errcode=81013 all recipients invalid",
    });
    expect(await repo.findByKey("s")).toMatchObject({ status: "sent", attempts: 1, wecomMsgId: null });
    expect(await repo.countByStatus()).toEqual({ pending: 3, sending: 0, sent: 1, failed: 1 });
    expect((await repo.list({ status: "pending" })).map((m) => m.idempotencyKey)).toEqual(["r", "d", "p"]);
    expect((await repo.list({ status: "failed", recipient: "zhangsan" })).length).toBe(1);
    expect((await repo.list({ limit: 2 })).map((m) => m.idempotencyKey)).toEqual(["r", "d"]);
    const first = await repo.list({ limit: 1 });
    expect((await repo.list({ afterId: first[0]!.id, limit: 1 })).map((m) => m.idempotencyKey)).toEqual([
      "d",
    ]);
    expect(await repo.findByKey("missing")).toBeNull();
  });

  test("recentSends reads sent times in the window, newest first, and counts other sends in flight", async () => {
    for (let i = 0; i < 6; i++) await repo.enqueue(message(`s${i}`));
    await repo.enqueue(message("other", { recipient: "lisi" }));
    await repo.enqueue(message("hook", { recipient: "KEY", recipientKind: "webhook" }));
    const claimed = await repo.claimDue(T0, 10, "w", 60_000);
    const byKey = new Map(claimed.map((m) => [m.idempotencyKey, m.id]));
    // s0..s3 sent at T0+0..3 s; s4 in flight; s5 in flight but in the caller's own batch.
    for (let i = 0; i < 4; i++) await repo.markSent(byKey.get(`s${i}`)!, "w", null, at(i * 1000));
    await repo.markSent(byKey.get("other")!, "w", null, at(0));
    const scope = { channel: "app", recipientKind: "user" as const, recipient: "zhangsan" };
    const all = { channel: "app", recipientKind: "user" as const };
    const webhook = { channel: "app", recipientKind: "webhook" as const, recipient: "KEY" };
    const [mine, mineAll, everyone, hook, nobody] = await repo.recentSends(
      [
        { scope, since: at(1000), limit: 10 },
        { scope, since: at(-1), limit: 3 },
        // A scope without a recipient covers every recipient of the kind on the channel.
        { scope: all, since: at(-1), limit: 100 },
        { scope: webhook, since: at(-1), limit: 10 },
        { scope: { ...scope, recipient: "nobody" }, since: at(-1), limit: 10 },
      ],
      [byKey.get("s5")!],
    );
    expect(mine).toEqual({ sentAt: [at(3000), at(2000)], inFlight: 1 });
    expect(mineAll).toEqual({ sentAt: [at(3000), at(2000), at(1000)], inFlight: 1 });
    expect(everyone?.sentAt).toHaveLength(5);
    expect(everyone?.inFlight).toBe(1);
    expect(hook).toEqual({ sentAt: [], inFlight: 1 });
    expect(nobody).toEqual({ sentAt: [], inFlight: 0 });
    expect(await repo.recentSends([], [])).toEqual([]);
    expect(await repo.countInFlight(T0)).toBe(3);
    expect(await repo.countInFlight(at(60_000))).toBe(0);
  });

  test("withAdmissionLock runs its callback in one transaction (a throw undoes the claim)", async () => {
    await repo.enqueue(message("tx"));
    await expect(
      repo.withAdmissionLock(async (tx) => {
        expect((await tx.claimDue(T0, 5, "w", 1000)).length).toBe(1);
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
    expect(await repo.findByKey("tx")).toMatchObject({ status: "pending", lockedBy: null });
  });
});
