import type { InboundEnvelope } from "../channels/inbound-envelope";
import { envelopeFromRow } from "../channels/envelope-from-row";
import type { TaskIdNamespace } from "../channels/task-id-namespace";
import { enqueueMessages, type OutgoingMessage } from "../channels/outbound-message";
import type { Logger } from "../logger";
import type { CadreRow } from "../store/cadre-repository";
import { withBatchReads } from "../store/conversation-repository";
import type { EnqueueInput, OutboxRepository } from "../store/outbox-repository";
import type { Repos, Store } from "../store/store";
import type { WecomEvent } from "../wecom/events";
import type { Templates } from "./templates";
import { hasWecomAccount } from "../domain/wecom-account";

/** What a command handler gets: the sender, the event, repositories bound to the transaction. */
export interface CommandContext {
  readonly sender: CadreRow;
  readonly event: WecomEvent;
  readonly envelope: InboundEnvelope;
  readonly repos: Repos;
  readonly now: Date;
  readonly templates: Templates;
}

/** Turns one message from a known sender into replies (and records), inside one transaction. */
export type Dispatcher = (ctx: CommandContext) => Promise<OutgoingMessage[]>;

export interface BotDeps {
  store: Store;
  templates: Templates;
  dispatch: Dispatcher;
  now: () => Date;
  logger: Logger;
  /** Nudges the outbox worker after replies were committed. */
  wake?: () => void;
  /** This installation's card task_id namespace (removed from card events; see TaskIdNamespace). */
  taskIds?: TaskIdNamespace;
  /**
   * At most this many queued messages are handled in one transaction (default 32). Larger
   * batches cost less per message (measured: 4 per batch halves the embedded database's
   * throughput), but hold a connection longer; on the embedded database that is the connection
   * callbacks need to store their messages.
   */
  batchSize?: number;
  /** Batches in progress at once (default 1; PostgreSQL, with a pool of connections, can take more). */
  concurrency?: number;
  /**
   * Messages held in memory at most (default 5,000). Beyond it a message stays in the database
   * only, and is read back in arrival order once the queue has drained.
   */
  maxBacklog?: number;
  /**
   * Checked after each message of a batch: when true, the batch commits early and the rest are
   * handled next. The embedded database has one connection: while the bot holds it, a callback
   * cannot store its message, so main() passes "an acknowledgement is waiting" here.
   */
  yieldWhen?: () => boolean;
}

export interface Bot {
  /**
   * Queues a stored message for dedupe → identify sender → dispatch → reply, and resolves once
   * it is handled or its failure recorded (or, when the backlog is full, once it is left in the
   * database for later). Never rejects. A message already queued or in progress is not queued
   * twice (the stranded-message sweep may offer it again).
   */
  handle(envelope: InboundEnvelope): Promise<void>;
  /**
   * Queues stored messages still unprocessed that were received before `before` (a crash between
   * acknowledgement and processing, or a full backlog), oldest first, at most `limit`; resolves
   * with how many were found, once they are handled. A row whose stored XML no longer parses is
   * marked failed.
   */
  recover(before: Date, limit: number): Promise<number>;
  /** Messages queued or in progress. */
  backlog(): number;
  /** Resolves when nothing is queued or in progress. */
  idle(): Promise<void>;
  /**
   * For shutdown: finishes the batches in progress and takes no more. Queued messages stay
   * stored as received; the stranded-message sweep handles them after the restart.
   */
  stop(): Promise<void>;
}

/** Events that are not addressed to the bot by a person (no reply expected). */
const SILENT = new Set<WecomEvent["type"]>(["unsubscribe", "subscribe", "enter_agent"]);

/** Collects what `enqueueMessages` would write, so a batch's replies go in with one INSERT. */
function replyCollector(rows: EnqueueInput[]): Pick<Repos, "outbox"> {
  const enqueue: OutboxRepository["enqueue"] = async (input) => {
    rows.push(input);
    return { id: 0, created: true };
  };
  return { outbox: { enqueue } as Pick<OutboxRepository, "enqueue"> as OutboxRepository };
}

interface Queued {
  envelope: InboundEnvelope;
  done: () => void;
}

/**
 * The bot: messages are handled in arrival order by a bounded queue, so that however many
 * callbacks arrive, the work behind them never crowds out the acknowledgements (each message is
 * stored before its 200; if the process dies with a backlog, the stranded-message sweep handles
 * it). Messages that queue up while a batch runs are handled together in one transaction: one
 * claim, one sender lookup, one read each of the senders' pending questions and latest lists (on
 * first use, see `withBatchReads`), one INSERT of all replies. Each message's command still runs
 * on its own, in order, with the same context as alone; if any of them throws, the batch rolls
 * back and each message is handled again in a transaction of its own, so one bad message fails
 * alone.
 */
export function createBot(deps: BotDeps): Bot {
  const { store, templates, logger } = deps;
  const batchSize = Math.max(1, deps.batchSize ?? 32);
  const concurrency = Math.max(1, deps.concurrency ?? 1);

  /**
   * Dedupe → identify senders → dispatch → reply, for a batch, in one transaction; throws on
   * failure. Returns how many of the envelopes (a prefix) were dealt with: fewer than all when
   * `yieldWhen` cut the batch short.
   */
  async function processBatch(envelopes: readonly InboundEnvelope[]): Promise<number> {
    const userids = [...new Set(envelopes.map((e) => e.event.fromUserId))];
    // Exact userids only: a `pending:<mobile>` placeholder is no WeCom member, and a message
    // claiming to come from one (the sandbox) is from an unknown sender, not from that cadre.
    const senders = new Map(
      (await store.cadres.findByUserids(userids.filter(hasWecomAccount))).map((c) => [c.userid, c]),
    );
    return store.transaction(
      async (repos) => {
        // The claim is the dedupe point for processing: a second handler (a retry after a crash,
        // the stranded-message sweep) stops here, and a rollback releases the messages again.
        const claimed = await repos.inbound.claimMany(
          envelopes.map((e) => e.inboundId),
          deps.now(),
        );
        const replies: EnqueueInput[] = [];
        const collect = replyCollector(replies);
        // Commands read the sender's pending question and latest list: once for the whole batch.
        const batchRepos: Repos = {
          ...repos,
          conversation: withBatchReads(
            repos.conversation,
            [...senders.values()].filter((c) => c.active).map((c) => c.id),
          ),
        };
        let dealt = envelopes.length;
        for (const [i, envelope] of envelopes.entries()) {
          if (i > 0 && deps.yieldWhen?.()) {
            // Commit what is done; the rest are released and go first in the next batch.
            const rest = envelopes.slice(i).map((e) => e.inboundId);
            await repos.inbound.unclaimMany(rest.filter((id) => claimed.has(id)));
            dealt = i;
            break;
          }
          if (!claimed.has(envelope.inboundId)) continue;
          const { event } = envelope;
          const now = deps.now();
          const sender = senders.get(event.fromUserId);
          const replyKey = `reply:${envelope.channel}:${envelope.inboundId}`;
          if (!sender?.active) {
            await repos.audit.record({
              actor: event.fromUserId,
              action: "inbound.unknown_sender",
              entity: "InboundMessage",
              entityId: envelope.inboundId,
              detail: { type: event.type },
              at: now,
            });
            if (SILENT.has(event.type)) continue;
            await enqueueMessages(
              collect,
              envelope.channel,
              replyKey,
              [{ kind: "text", to: event.fromUserId, text: templates.render("unknown-sender") }],
              now,
              { duplicateCheck: false },
            );
            continue;
          }
          const out = await deps.dispatch({ sender, event, envelope, repos: batchRepos, now, templates });
          await enqueueMessages(collect, envelope.channel, replyKey, out, now, { duplicateCheck: false });
        }
        await repos.outbox.enqueueMany(replies);
        return dealt;
      },
      { timeoutMs: 15_000 + 1_000 * envelopes.length },
    );
  }

  /** Nothing acknowledged is lost: the inbound row keeps the message and the error. */
  async function recordFailure(envelope: InboundEnvelope, err: unknown): Promise<void> {
    logger.error({ err, inboundId: envelope.inboundId }, "inbound processing failed");
    // The sender is told once (the error key makes a second failure notice impossible).
    try {
      await store.transaction(async (repos) => {
        await repos.inbound.markFailed(
          envelope.inboundId,
          String((err as Error)?.message ?? err),
          deps.now(),
        );
        await enqueueMessages(repos, envelope.channel, `error:${envelope.channel}:${envelope.inboundId}`, [
          { kind: "text", to: envelope.event.fromUserId, text: templates.render("internal-error") },
        ]);
      });
    } catch (inner) {
      logger.error({ err: inner, inboundId: envelope.inboundId }, "could not record the failure");
    }
  }

  /** Handles a batch, never throws; returns how many of its envelopes (a prefix) were dealt with. */
  async function runBatch(envelopes: readonly InboundEnvelope[]): Promise<number> {
    try {
      return await processBatch(envelopes);
    } catch (err) {
      const [only] = envelopes;
      if (envelopes.length === 1 && only) {
        await recordFailure(only, err);
        return 1;
      }
      logger.warn({ err, size: envelopes.length }, "inbound batch failed; handling its messages one by one");
    }
    for (const envelope of envelopes) {
      try {
        await processBatch([envelope]);
      } catch (err) {
        await recordFailure(envelope, err);
      }
    }
    return envelopes.length;
  }

  const maxBacklog = Math.max(batchSize, deps.maxBacklog ?? 5_000);
  const queue: Queued[] = [];
  /** inboundId → completion, for messages queued or in progress. */
  const inProgress = new Map<number, Promise<void>>();
  let running = 0;
  let stopped = false;
  /** Messages were left in the database because the backlog was full. */
  let overflowed = false;
  let refilling = false;
  let idleWaiters: (() => void)[] = [];

  function settleIdle(): void {
    if (inProgress.size > 0 || running > 0 || refilling) return;
    const waiters = idleWaiters;
    idleWaiters = [];
    for (const w of waiters) w();
  }

  /** After an overflow, reads the waiting messages back once the queue has drained. */
  function refill(): void {
    if (stopped || !overflowed || refilling || queue.length > 0 || running > 0) return;
    overflowed = false;
    refilling = true;
    const limit = Math.floor(maxBacklog / 2);
    void recover(new Date(deps.now().getTime() + 1), limit, false)
      .then((found) => {
        // More may be waiting: read again when these are done.
        if (found >= limit) overflowed = true;
      })
      .catch((err: unknown) => {
        overflowed = true;
        logger.error({ err }, "could not read back waiting messages");
      })
      .finally(() => {
        refilling = false;
        refill();
        settleIdle();
      });
  }

  async function recover(before: Date, limit: number, wait = true): Promise<number> {
    const rows = await store.inbound.listStranded(before, limit);
    const handled: Promise<void>[] = [];
    for (const row of rows) {
      let envelope: InboundEnvelope;
      try {
        envelope = envelopeFromRow(row, deps.taskIds);
      } catch (err) {
        logger.error({ err, inboundId: row.id }, "stored inbound message cannot be read");
        await store.inbound.markFailed(row.id, String((err as Error)?.message ?? err), deps.now());
        continue;
      }
      handled.push(handle(envelope));
    }
    if (wait) await Promise.all(handled);
    return rows.length;
  }

  function handle(envelope: InboundEnvelope): Promise<void> {
    const existing = inProgress.get(envelope.inboundId);
    if (existing) return existing;
    if (stopped) return Promise.resolve();
    if (inProgress.size >= maxBacklog) {
      // Stored and acknowledged: it waits in the database, not in memory.
      if (!overflowed)
        logger.warn({ backlog: inProgress.size }, "bot backlog full: messages wait in the database");
      overflowed = true;
      return Promise.resolve();
    }
    let done: () => void = () => {};
    const finished = new Promise<void>((resolve) => {
      done = resolve;
    });
    inProgress.set(envelope.inboundId, finished);
    queue.push({ envelope, done });
    pump();
    return finished;
  }

  function pump(): void {
    while (!stopped && running < concurrency && queue.length > 0) {
      const batch = queue.splice(0, batchSize);
      running++;
      void runBatch(batch.map((q) => q.envelope))
        .catch((err: unknown) => {
          // Not expected (runBatch records failures); the messages stay stored for the sweep.
          logger.error({ err }, "inbound batch failed unexpectedly");
          return batch.length;
        })
        .then((dealt) => {
          running--;
          // A batch cut short: the rest go first in the next one (after stop(), they stay stored).
          if (!stopped) queue.unshift(...batch.slice(dealt));
          for (const q of stopped ? batch : batch.slice(0, dealt)) {
            inProgress.delete(q.envelope.inboundId);
            q.done();
          }
          deps.wake?.();
          pump();
          refill();
          settleIdle();
        });
    }
  }

  return {
    handle,
    recover: (before, limit) => recover(before, limit),
    backlog: () => inProgress.size,
    idle() {
      return new Promise<void>((resolve) => {
        idleWaiters.push(resolve);
        settleIdle();
      });
    },
    stop() {
      stopped = true;
      for (const q of queue.splice(0)) {
        inProgress.delete(q.envelope.inboundId);
        q.done();
      }
      return new Promise<void>((resolve) => {
        idleWaiters.push(resolve);
        settleIdle();
      });
    },
  };
}
