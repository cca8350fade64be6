/**
 * The outbox worker: leases due messages from the OutboundMessage table, admits them within
 * WeCom's sending limits, delivers them through an injected `deliver`, and records the outcome.
 *
 * ## Delivery guarantee (read before changing anything here)
 *
 * Each row goes through: pending → (claim: lease to one worker until now + leaseMs) → sending →
 * sent | pending (retry / rate-limit deferral) | failed. A row is claimable when it is pending and
 * due, or when it is still `sending` after its lease expired. Every state change after the claim
 * is conditional on `lockedBy = this worker`, so a worker that lost its lease changes nothing.
 *
 * What the database alone gives: **at-least-once**. WeCom's acceptance of a send and our
 * `markSent` (recorded together with other sends' outcomes by one `markOutcomes` statement, see
 * outcome-writer.ts) are two systems with no shared transaction. If the process dies (kill -9,
 * OOM, power) or the database is unreachable after WeCom accepted a send and before `markSent`
 * commits, the row stays `sending` until its lease expires; then any worker (this one after a
 * restart, or another instance) reclaims it and sends it again. The same happens after a deliver
 * timeout: the request may have reached WeCom although we saw no answer, and the retry sends it
 * again.
 *
 * What closes the gap for member messages (`recipientKind: "user"`, message/send): every attempt
 * of a message sends the same JSON — the body is frozen at enqueue, and the worker adds
 * `"enable_duplicate_check": 1, "duplicate_check_interval": I` (wecom.md §4.2: "identical JSON
 * within the interval is not delivered again"). The worker refuses I·1000 < leaseMs, since a lease
 * is the shortest time before a crashed send can be repeated. So:
 *
 *   A member receives a message **exactly once** provided every repeat of an accepted send happens
 *   within I seconds of it. A repeat after a crash happens at the earliest when the lease expires
 *   (claim + leaseMs ≤ first send + I) and at the latest whenever a worker next runs; a repeat
 *   after a timeout happens after one back-off delay (the worker refuses maxDelayMs + leaseMs >
 *   I·1000; defaults 10 min + 1 min < 30 min) unless a rate-limit window holds it back longer.
 *   If no worker runs for longer than I after the crash (the only instance was down for more than
 *   30 minutes), or the member's hourly budget was exhausted, WeCom no longer recognises the
 *   repeat and the member may see the message twice: at-least-once, never lost. The worker logs a
 *   reclaim later than I. Instances' clocks must agree (NTP): leases and windows use each
 *   instance's `now`.
 *   Two workers never send a message at the same time: a second worker can only take it after the
 *   first one's lease expired, and the first abandons its attempt after `deliverTimeoutMs`
 *   (< leaseMs, enforced) and aborts the signal it gave `deliver` — so `deliver` must honour that
 *   signal or time out sooner itself (the WeCom client's default is 10 s).
 *   The repeat is "identical JSON" only while the worker configuration is: changing
 *   duplicateCheckIntervalSeconds between the two attempts changes the JSON.
 *
 * The other side of the duplicate check: WeCom compares the JSON, not our ids, so two *different*
 * outbox messages with identical JSON to the same member within I are merged into one too; give
 * intentionally repeated messages distinct content (or a shorter interval). A caller that sets
 * `enable_duplicate_check` in the body itself is left alone (that opts out of the above).
 *
 * App chats (appchat/send) and group robots (webhook/send) have no duplicate check in WeCom's API,
 * so for them a crash between acceptance and `markSent` can repeat a message: at-least-once.
 *
 * Limits (WeCom drops over-limit member messages silently): see outbox-limits.ts. The windows
 * are counted from `sentAt` of sent rows in the database plus rows in flight, in a transaction
 * holding an advisory lock, so they hold across restarts and across instances (given clocks in
 * step). A message over a limit is handed back until the window frees, without counting an
 * attempt; attempts are counted when a send starts (so a message whose sends keep crashing the
 * worker still ends as failed after maxAttempts).
 */
import type {
  ClaimedMessage,
  OutboxRepository,
  RecipientKind,
  SendsRequest,
} from "../store/outbox-repository";
import {
  DEFAULT_DUPLICATE_CHECK_INTERVAL_S,
  DEFAULT_OUTBOX_LIMITS,
  DEFAULT_RETRY_POLICY,
  MAX_DUPLICATE_CHECK_INTERVAL_S,
  type OutboxLimits,
  RETRYABLE_WECOM_ERRCODES,
  type RetryPolicy,
  validateLimits,
} from "./outbox-limits";
import { createOutcomeWriter } from "./outcome-writer";
import { planAdmission, rulesFor, type ScopeUsage } from "./plan-admission";

/** JSON as stored in the body column. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** What `deliver` gets: one message, one attempt. */
export interface OutboxDelivery {
  id: number;
  channel: string;
  recipient: string;
  recipientKind: RecipientKind;
  idempotencyKey: string;
  /**
   * The stored body; for members (message/send) with `enable_duplicate_check: 1` and
   * `duplicate_check_interval` added (pass both through to WeCom unchanged).
   */
  body: JsonValue;
  /** 1 for the first attempt. */
  attempt: number;
  /** An earlier attempt's worker lost its lease mid-send: WeCom may already have this message. */
  reclaimed: boolean;
}

/**
 * Sends one message. Resolves with WeCom's msgid when there is one; throws on failure, with
 * `retryable: boolean` (and `errcode` when WeCom answered). `signal` aborts when the worker gives
 * up on the attempt (deliverTimeoutMs).
 */
export type DeliverFn = (message: OutboxDelivery, signal: AbortSignal) => Promise<{ msgid?: string }>;

/** A pino-compatible logger subset. */
export interface OutboxLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface OutboxWorkerOptions {
  repo: OutboxRepository;
  deliver: DeliverFn;
  now: () => Date;
  /** Waits between polls; must resolve early (or may be cut short) when `signal` aborts. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** Unique per process, e.g. `${hostname}:${pid}:${random}`; leases are recorded under it. */
  workerId: string;
  limits?: Partial<OutboxLimits>;
  retry?: Partial<RetryPolicy>;
  /** How long a claim holds a message; default 60 s. */
  leaseMs?: number;
  /** Abandon a send after this long (real time); default leaseMs / 2, must be < leaseMs. */
  deliverTimeoutMs?: number;
  /** Poll interval of the loop; default 1 s. */
  pollIntervalMs?: number;
  /** Messages claimed per round; default limits.maxInFlight. */
  batchSize?: number;
  /** WeCom duplicate_check_interval, seconds; default 1800, ≥ leaseMs, ≤ 14400. */
  duplicateCheckIntervalSeconds?: number;
  /** For back-off jitter; default Math.random. */
  random?: () => number;
  logger?: OutboxLogger;
}

export interface RunSummary {
  /** Messages this round asked for (0 when no slot or nothing due). */
  requested: number;
  claimed: number;
  /** Handed back for a rate limit, not counted as an attempt. */
  deferred: number;
  sent: number;
  retried: number;
  failed: number;
  /** Outcomes not recorded because the lease had moved on or the database failed. */
  unrecorded: number;
}

export interface OutboxWorker {
  /** One round: claim what fits, deliver it, record outcomes. Resolves when those sends are done. */
  runOnce(): Promise<RunSummary>;
  /** Starts the poll loop (idempotent). */
  start(): void;
  /** Stops polling and resolves once every send in flight has finished and been recorded. */
  stop(): Promise<void>;
  /** Run a round now (e.g. right after an enqueue commits) instead of at the next poll. */
  wake(): void;
}

/** Thrown into an attempt that exceeded deliverTimeoutMs; retryable. */
export class OutboxDeliverTimeoutError extends Error {
  override readonly name = "OutboxDeliverTimeoutError";
  readonly retryable = true;
  constructor(readonly timeoutMs: number) {
    super(`delivery did not finish within ${timeoutMs} ms`);
  }
}

/** Whether a failure from `deliver` is worth another attempt. */
export function isRetryableError(err: unknown): boolean {
  if (typeof err === "object" && err !== null) {
    const e = err as { retryable?: unknown; errcode?: unknown; httpStatus?: unknown };
    if (typeof e.retryable === "boolean") return e.retryable;
    if (typeof e.errcode === "number") return RETRYABLE_WECOM_ERRCODES.has(e.errcode);
    if (typeof e.httpStatus === "number") return e.httpStatus >= 500 || e.httpStatus === 429;
  }
  // Unclassified (e.g. fetch's TypeError on a reset connection): assume transient; maxAttempts bounds it.
  return true;
}

function errcodeOf(err: unknown): number | null {
  const code = typeof err === "object" && err !== null ? (err as { errcode?: unknown }).errcode : undefined;
  return typeof code === "number" ? code : null;
}

function describeError(err: unknown): string {
  const text = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return text.length > 1000 ? `${text.slice(0, 997)}...` : text;
}

/** Delay before attempt `attempt + 1`: exponential, capped, jittered into [delay/2, delay). */
export function backoffDelayMs(
  attempt: number,
  errcode: number | null,
  policy: RetryPolicy,
  random: () => number,
): number {
  const exp = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  const jittered = Math.floor(exp / 2 + (random() * exp) / 2);
  return errcode === 45009 ? Math.max(jittered, policy.freqLimitDelayMs) : jittered;
}

/** Adds WeCom's duplicate check to a member message body (unless the body sets it itself). */
export function withDuplicateCheck(body: JsonValue, intervalSeconds: number): JsonValue {
  if (typeof body !== "object" || body === null || Array.isArray(body)) return body;
  if ("enable_duplicate_check" in body) return body;
  return { ...body, enable_duplicate_check: 1, duplicate_check_interval: intervalSeconds };
}

function defaultSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}

const silentLogger: OutboxLogger = { debug() {}, info() {}, warn() {}, error() {} };

/** Creates a worker; several (in one process or many) may share the table. */
export function createOutboxWorker(opts: OutboxWorkerOptions): OutboxWorker {
  const { repo, deliver, now, workerId } = opts;
  const limits: OutboxLimits = { ...DEFAULT_OUTBOX_LIMITS, ...opts.limits };
  const retry: RetryPolicy = { ...DEFAULT_RETRY_POLICY, ...opts.retry };
  const leaseMs = opts.leaseMs ?? 60_000;
  const deliverTimeoutMs = opts.deliverTimeoutMs ?? Math.floor(leaseMs / 2);
  const pollIntervalMs = opts.pollIntervalMs ?? 1_000;
  const batchSize = opts.batchSize ?? limits.maxInFlight;
  const dupInterval = opts.duplicateCheckIntervalSeconds ?? DEFAULT_DUPLICATE_CHECK_INTERVAL_S;
  const sleep = opts.sleep ?? defaultSleep;
  const random = opts.random ?? Math.random;
  const log = opts.logger ?? silentLogger;

  validateLimits(limits);
  if (!workerId) throw new Error("outbox worker: workerId is required");
  if (!(deliverTimeoutMs > 0 && deliverTimeoutMs < leaseMs)) {
    throw new Error(
      `outbox worker: deliverTimeoutMs (${deliverTimeoutMs}) must be > 0 and < leaseMs (${leaseMs})`,
    );
  }
  if (!(dupInterval * 1000 >= leaseMs && dupInterval <= MAX_DUPLICATE_CHECK_INTERVAL_S)) {
    throw new Error(
      `outbox worker: duplicateCheckIntervalSeconds (${dupInterval}) must cover the lease (${leaseMs} ms) and be ≤ ${MAX_DUPLICATE_CHECK_INTERVAL_S}`,
    );
  }
  if (retry.maxDelayMs + leaseMs > dupInterval * 1000) {
    // A retry after a timed-out (maybe accepted) send must still fall inside WeCom's interval.
    throw new Error(
      `outbox worker: retry.maxDelayMs (${retry.maxDelayMs}) + leaseMs (${leaseMs}) must not exceed duplicateCheckIntervalSeconds (${dupInterval} s)`,
    );
  }
  if (!(retry.maxAttempts >= 1 && batchSize >= 1)) {
    throw new Error("outbox worker: maxAttempts and batchSize must be ≥ 1");
  }

  /** Outcomes of sends finishing together are recorded by one statement. */
  const outcomes = createOutcomeWriter(repo, workerId);
  /** Local send slots taken (reserved by a round or in flight). */
  let busy = 0;
  const inFlight = new Set<Promise<void>>();

  /** What each scope of the batch has used, read in one query. */
  async function loadUsage(tx: OutboxRepository, batch: readonly ClaimedMessage[], at: Date) {
    const keys: string[] = [];
    const requests: SendsRequest[] = [];
    for (const m of batch) {
      for (const rule of rulesFor(m, limits)) {
        if (keys.includes(rule.key)) continue;
        keys.push(rule.key);
        requests.push({
          scope: rule.scope,
          since: new Date(at.getTime() - Math.max(...rule.windows.map((w) => w.windowMs))),
          limit: Math.max(...rule.windows.map((w) => w.max)),
        });
      }
    }
    const found = await tx.recentSends(
      requests,
      batch.map((m) => m.id),
    );
    const usage = new Map<string, ScopeUsage>();
    keys.forEach((key, i) => {
      usage.set(key, found[i] ?? { sentAt: [], inFlight: 0 });
    });
    return usage;
  }

  /** Claims and admits under the admission lock; returns what to send now. */
  async function admit(want: number, summary: RunSummary): Promise<ClaimedMessage[]> {
    const at = now();
    if (!(await repo.hasDue(at))) return [];
    return repo.withAdmissionLock(async (tx) => {
      const room = Math.min(want, limits.maxInFlight - (await tx.countInFlight(at)));
      if (room <= 0) return [];
      summary.requested = room;
      const claimed = await tx.claimDue(at, room, workerId, leaseMs);
      summary.claimed = claimed.length;

      const live: ClaimedMessage[] = [];
      for (const m of claimed) {
        if (m.reclaimedFrom) {
          const startedAt = m.reclaimedFrom.lockedUntil.getTime() - leaseMs;
          const late = at.getTime() - startedAt > dupInterval * 1000;
          log.warn(
            { outboxId: m.id, key: m.idempotencyKey, previousWorker: m.reclaimedFrom.lockedBy, late },
            late
              ? "outbox: reclaimed a send older than the duplicate-check interval; the recipient may get it twice"
              : "outbox: reclaimed a send whose worker lost its lease; WeCom's duplicate check covers the resend",
          );
        }
        if (m.attempts >= retry.maxAttempts) {
          // Its last attempt never reported back (the worker died): do not start another.
          const error = `gave up after ${m.attempts} attempts; the last one ended without a result (lease expired)`;
          await tx.markFailed(m.id, workerId, error, at);
          summary.failed++;
          log.error({ outboxId: m.id, key: m.idempotencyKey }, `outbox: ${error}`);
          continue;
        }
        live.push(m);
      }

      const plan = planAdmission(live, await loadUsage(tx, live, at), limits, at);
      for (const d of plan.defer) {
        await tx.release(d.message.id, workerId, d.until);
        summary.deferred++;
      }
      await tx.beginAttempts(
        plan.admit.map((m) => m.id),
        workerId,
      );
      if (plan.defer.length) {
        log.debug({ deferred: plan.defer.length, until: plan.defer[0]?.until }, "outbox: rate limit reached");
      }
      return plan.admit;
    });
  }

  function withTimeout<T>(run: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const ac = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const err = new OutboxDeliverTimeoutError(deliverTimeoutMs);
        ac.abort(err);
        reject(err);
      }, deliverTimeoutMs);
    });
    const attempt = (async () => run(ac.signal))(); // a synchronous throw becomes a rejection
    attempt.catch(() => {}); // its late failure after a timeout has nowhere to go
    return Promise.race([attempt, timeout]).finally(() => clearTimeout(timer));
  }

  async function record(what: string, summary: RunSummary, write: () => Promise<boolean>, m: ClaimedMessage) {
    try {
      if (await write()) return true;
      log.warn({ outboxId: m.id, key: m.idempotencyKey }, `outbox: lease lost before recording ${what}`);
    } catch (err) {
      // The row stays `sending`; after the lease it is resent (see the guarantee above).
      log.error({ outboxId: m.id, key: m.idempotencyKey, err }, `outbox: could not record ${what}`);
    }
    summary.unrecorded++;
    return false;
  }

  async function deliverOne(m: ClaimedMessage, summary: RunSummary): Promise<void> {
    const attempt = m.attempts + 1;
    const delivery: OutboxDelivery = {
      id: m.id,
      channel: m.channel,
      recipient: m.recipient,
      recipientKind: m.recipientKind,
      idempotencyKey: m.idempotencyKey,
      body:
        m.recipientKind === "user"
          ? withDuplicateCheck(m.body as JsonValue, dupInterval)
          : (m.body as JsonValue),
      attempt,
      reclaimed: m.reclaimedFrom !== null,
    };
    let result: { msgid?: string };
    try {
      result = await withTimeout((signal) => deliver(delivery, signal));
    } catch (err) {
      const error = describeError(err);
      const at = now();
      const fields = { outboxId: m.id, key: m.idempotencyKey, attempt, error };
      if (!isRetryableError(err)) {
        const failed = { id: m.id, outcome: "failed", error, at } as const;
        if (await record("failure", summary, () => outcomes.write(failed), m)) {
          summary.failed++;
        }
        log.error(fields, "outbox: delivery failed (not retryable)");
      } else if (attempt >= retry.maxAttempts) {
        const final = `gave up after ${attempt} attempts: ${error}`;
        const failed = { id: m.id, outcome: "failed", error: final, at } as const;
        if (await record("failure", summary, () => outcomes.write(failed), m)) {
          summary.failed++;
        }
        log.error(fields, "outbox: delivery failed (attempts exhausted)");
      } else {
        const delay = backoffDelayMs(attempt, errcodeOf(err), retry, random);
        const next = new Date(at.getTime() + delay);
        const retried = { id: m.id, outcome: "retry", error, nextAttemptAt: next } as const;
        if (await record("retry", summary, () => outcomes.write(retried), m)) {
          summary.retried++;
        }
        log.warn({ ...fields, retryInMs: delay }, "outbox: delivery failed, will retry");
      }
      return;
    }
    const at = now();
    const sent = { id: m.id, outcome: "sent", wecomMsgId: result.msgid ?? null, at } as const;
    if (await record("send", summary, () => outcomes.write(sent), m)) {
      summary.sent++;
    }
  }

  const rounds = new Set<Promise<RunSummary>>();

  function runOnce(): Promise<RunSummary> {
    const round = runRound().finally(() => rounds.delete(round));
    rounds.add(round);
    return round;
  }

  async function runRound(): Promise<RunSummary> {
    const summary: RunSummary = {
      requested: 0,
      claimed: 0,
      deferred: 0,
      sent: 0,
      retried: 0,
      failed: 0,
      unrecorded: 0,
    };
    const want = Math.min(batchSize, limits.maxInFlight - busy);
    if (want <= 0) return summary;
    busy += want; // reserved before the first await, so concurrent rounds cannot overshoot
    let batch: ClaimedMessage[] = [];
    try {
      batch = await admit(want, summary);
    } finally {
      busy -= want - batch.length;
    }
    const sends = batch.map((m) => {
      const p = deliverOne(m, summary).finally(() => {
        busy--;
        inFlight.delete(p);
      });
      inFlight.add(p);
      return p;
    });
    await Promise.all(sends);
    return summary;
  }

  let running = false;
  let loop: Promise<void> | null = null;
  let woken = false;
  let idleAbort: AbortController | null = null;

  async function idle(ms: number): Promise<void> {
    const ac = new AbortController();
    idleAbort = ac;
    const aborted = new Promise<void>((resolve) => ac.signal.addEventListener("abort", () => resolve()));
    try {
      await Promise.race([sleep(ms, ac.signal), aborted]);
    } finally {
      idleAbort = null;
    }
  }

  async function runLoop(): Promise<void> {
    let failures = 0;
    while (running) {
      woken = false;
      let more = false;
      try {
        const s = await runOnce();
        more = s.claimed > 0 && s.claimed >= s.requested;
        failures = 0;
      } catch (err) {
        failures++;
        log.error({ err, failures }, "outbox: round failed");
      }
      if (!running) break;
      if (more || woken) continue;
      await idle(failures ? Math.min(pollIntervalMs * 2 ** failures, 30_000) : pollIntervalMs);
    }
  }

  return {
    runOnce,
    start() {
      if (running) return;
      running = true;
      loop = runLoop();
    },
    async stop() {
      running = false;
      idleAbort?.abort();
      await loop;
      loop = null;
      await Promise.allSettled([...rounds, ...inFlight]);
    },
    wake() {
      woken = true;
      idleAbort?.abort();
    },
  };
}
