import type { OutgoingMessage } from "../channels/outbound-message";
import { storableText } from "../wecom/storable-text";
import type { NewCadreList } from "../store/cadre-list-repository";
import type { EnqueueInput } from "../store/outbox-repository";
import type { AppMessageContent } from "../wecom/messages";
import { WECOM_LIMITS } from "../wecom/limits";
import { splitUtf8 } from "../wecom/split-utf8";
import type { JobDeps } from "./job";

/** One message to enqueue under its own idempotency key, optionally with the list it numbers. */
export interface KeyedMessage {
  key: string;
  message: OutgoingMessage;
  /** Stored in the same transaction, only when the message is new (so numbers match what was sent). */
  list?: NewCadreList;
  /** Not delivered before this instant (e.g. night-time close-out notices wait for the morning). */
  notBefore?: Date;
}

/**
 * The outbox rows of one message, as `enqueueMessages` makes them: text split on UTF-8 and line
 * boundaries into pieces keyed `<key>#1`, `<key>#2`, …; a card as one row `<key>#1`.
 */
export function outboxRows(channel: string, entry: KeyedMessage, at: Date): EnqueueInput[] {
  const { message } = entry;
  const bodies: AppMessageContent[] =
    message.kind === "text"
      ? splitUtf8(storableText(message.text), WECOM_LIMITS.textBytes).map((content) => ({
          msgtype: "text",
          text: { content },
        }))
      : [message.card];
  return bodies.map((body, i) => ({
    channel,
    recipient: message.to,
    recipientKind: "user",
    body: body as unknown as EnqueueInput["body"],
    idempotencyKey: `${entry.key}#${i + 1}`,
    notBefore: entry.notBefore,
    at,
  }));
}

/** Messages built on demand, a batch at a time (a province's cards need not all be in memory). */
export interface LazyMessages {
  count: number;
  build(index: number): KeyedMessage;
}

/**
 * Enqueues messages in transactions of `batchSize` recipients (one INSERT for the messages, one
 * for the lists), `enqueueConcurrency` transactions at a time. A key already in the outbox
 * enqueues nothing and stores no list, so a repeated or taken-over run sends each recipient at
 * most one message. Returns how many messages (and outbox rows) were new.
 */
export async function enqueueInBatches(
  deps: JobDeps,
  entries: readonly KeyedMessage[] | LazyMessages,
  at: Date,
): Promise<{ messages: number; rows: number }> {
  const channel = deps.channel ?? "app";
  const size = Math.max(1, deps.batchSize ?? 500);
  const source: LazyMessages = Array.isArray(entries)
    ? { count: entries.length, build: (i) => entries[i] as KeyedMessage }
    : (entries as LazyMessages);
  const batchCount = Math.ceil(source.count / size);
  let messages = 0;
  let rows = 0;
  let next = 0;
  const lane = async () => {
    for (let b = next++; b < batchCount; b = next++) {
      const batch: KeyedMessage[] = [];
      for (let i = b * size; i < Math.min(source.count, (b + 1) * size); i++) batch.push(source.build(i));
      const inputs = batch.map((entry) => outboxRows(channel, entry, at));
      const counts = await deps.store.transaction(
        async (repos) => {
          const created = await repos.outbox.enqueueMany(inputs.flat());
          // A message is new when its first piece is (all pieces commit together).
          const fresh = batch.filter((entry) => created.has(`${entry.key}#1`));
          await repos.cadreLists.saveMany(
            fresh.flatMap((entry) => (entry.list ? [entry.list] : [])),
            at,
          );
          return { created: created.size, fresh: fresh.length };
        },
        { timeoutMs: 120_000 },
      );
      messages += counts.fresh;
      rows += counts.created;
    }
  };
  const lanes = Math.max(1, Math.min(deps.enqueueConcurrency ?? 1, batchCount));
  await Promise.all(Array.from({ length: lanes }, lane));
  if (messages > 0) deps.wake?.();
  return { messages, rows };
}
