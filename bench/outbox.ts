/**
 * Outbox throughput: enqueue N messages through the repository, then drain them through the worker
 * (rate limits, leases and admission included) with a no-op deliver. The floor is the same rows
 * written and updated by plain SQL in the same database (INSERT … SELECT generate_series, then one
 * UPDATE to sent): what the table costs without the outbox's per-message bookkeeping.
 *
 *   npx tsx bench/outbox.ts                       embedded database (PGlite), then PostgreSQL if
 *   TEST_DATABASE_URL=postgresql://… npx tsx …    TEST_DATABASE_URL is set
 *   BENCH_N=2000 npx tsx bench/outbox.ts          a smaller run
 *   BENCH_CLAIM_INDEX=1 npx tsx bench/outbox.ts   with the proposed index on (status, nextAttemptAt, id)
 *                                                 (claims then walk the index instead of sorting
 *                                                 every due row: see the outbox report)
 */
import { performance } from "node:perf_hooks";
import { createOutboxWorker } from "../src/outbox";
import { PrismaOutboxRepository } from "../src/store/outbox-repository";
import { createTestDb } from "../test/helpers/test-db";

const N = Number(process.env.BENCH_N ?? 20_000);
/** Enough members that no one gets more than 30 a minute (N / RECIPIENTS each). */
const RECIPIENTS = Math.max(1, Math.ceil(N / 10));
const ENQUEUE_LANES = 8;
const CLAIM_INDEX = process.env.BENCH_CLAIM_INDEX === "1";

interface Figures {
  db: string;
  floorPerS: number;
  enqueuePerS: number;
  drainPerS: number;
  totalPerS: number;
}

async function measure(label: string, pgUrl: string | undefined): Promise<Figures> {
  if (pgUrl) process.env.TEST_DATABASE_URL = pgUrl;
  else delete process.env.TEST_DATABASE_URL;
  const db = await createTestDb();
  try {
    if (CLAIM_INDEX) {
      await db.sql(
        `CREATE INDEX "OutboundMessage_status_nextAttemptAt_id_idx" ON "OutboundMessage" ("status", "nextAttemptAt", "id")`,
      );
    }
    // Floor: the same N rows inserted and marked sent by plain SQL.
    let t = performance.now();
    await db.sql(
      `INSERT INTO "OutboundMessage" ("channel", "recipient", "recipientKind", "body", "idempotencyKey", "nextAttemptAt", "createdAt")
       SELECT 'app', 'u' || (g % ${RECIPIENTS}), 'user',
              jsonb_build_object('msgtype', 'text', 'text', jsonb_build_object('content', '消息 ' || g)),
              'floor-' || g, now(), now()
       FROM generate_series(1, ${N}) AS g`,
    );
    await db.sql(
      `UPDATE "OutboundMessage" SET "status" = 'sent', "attempts" = 1, "sentAt" = now(), "wecomMsgId" = 'm'
       WHERE "idempotencyKey" LIKE 'floor-%'`,
    );
    const floorS = (performance.now() - t) / 1000;
    await db.sql(`TRUNCATE "OutboundMessage"`);

    const repo = new PrismaOutboxRepository(db.prisma);
    t = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: ENQUEUE_LANES }, async () => {
        for (let i = next++; i < N; i = next++) {
          await repo.enqueue({
            channel: "app",
            recipient: `u${i % RECIPIENTS}`,
            recipientKind: "user",
            body: { msgtype: "text", text: { content: `消息 ${i}` } },
            idempotencyKey: `bench-${i}`,
          });
        }
      }),
    );
    const enqueueS = (performance.now() - t) / 1000;

    let delivered = 0;
    const worker = createOutboxWorker({
      repo,
      deliver: async () => {
        delivered++;
        return { msgid: "m" };
      },
      now: () => new Date(),
      workerId: `bench-${process.pid}`,
    });
    t = performance.now();
    for (;;) {
      const s = await worker.runOnce();
      if (s.claimed === 0 && !(await repo.hasDue(new Date()))) break;
    }
    const drainS = (performance.now() - t) / 1000;
    const counts = await repo.countByStatus();
    if (counts.sent !== N || delivered !== N) {
      throw new Error(`${label}: expected ${N} sent, got ${JSON.stringify(counts)}, delivered ${delivered}`);
    }
    return {
      db: label,
      floorPerS: N / floorS,
      enqueuePerS: N / enqueueS,
      drainPerS: N / drainS,
      totalPerS: N / (enqueueS + drainS),
    };
  } finally {
    await db.close();
  }
}

async function main() {
  const pgUrl = process.env.TEST_DATABASE_URL;
  const runs: Figures[] = [await measure("embedded (PGlite)", undefined)];
  if (pgUrl) runs.push(await measure("PostgreSQL", pgUrl));
  else console.log("TEST_DATABASE_URL not set: PostgreSQL skipped");

  const f = (n: number) => Math.round(n).toLocaleString("en-US");
  console.log(
    `outbox bench, N = ${f(N)} messages to ${f(RECIPIENTS)} members, no-op deliver` +
      (CLAIM_INDEX ? ", with the proposed (status, nextAttemptAt, id) index" : ""),
  );
  for (const r of runs) {
    console.log(
      `${r.db.padEnd(18)} enqueue ${f(r.enqueuePerS)} msg/s · drain ${f(r.drainPerS)} msg/s · ` +
        `enqueue+drain ${f(r.totalPerS)} msg/s · floor (plain SQL insert+update) ${f(r.floorPerS)} msg/s · ` +
        `ratio ${(r.totalPerS / r.floorPerS).toFixed(4)}`,
    );
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
