import { enqueueMessages, type OutgoingMessage } from "../channels/outbound-message";
import type { NewCadreList } from "../store/cadre-list-repository";
import type { Repos } from "../store/store";
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
 * Enqueues messages in transactions of `batchSize` recipients, `enqueueConcurrency` at a time.
 * A key already in the outbox enqueues nothing and stores no list, so a repeated or taken-over
 * run sends each recipient at most one message. Returns how many messages were new.
 */
export async function enqueueInBatches(
  deps: JobDeps,
  entries: readonly KeyedMessage[],
  at: Date,
): Promise<{ messages: number; rows: number }> {
  const size = Math.max(1, deps.batchSize ?? 200);
  const batches: KeyedMessage[][] = [];
  for (let i = 0; i < entries.length; i += size) batches.push(entries.slice(i, i + size));
  let messages = 0;
  let rows = 0;
  let next = 0;
  const lane = async () => {
    for (let b = next++; b < batches.length; b = next++) {
      const batch = batches[b] as KeyedMessage[];
      const counts = await deps.store.transaction(
        async (repos) => {
          const lists: NewCadreList[] = [];
          let created = 0;
          let fresh = 0;
          for (const entry of batch) {
            const n = await enqueueOne(repos, deps.channel ?? "app", entry, at);
            if (n === 0) continue;
            created += n;
            fresh++;
            if (entry.list) lists.push(entry.list);
          }
          await repos.cadreLists.saveMany(lists, at);
          return { created, fresh };
        },
        { timeoutMs: 120_000 },
      );
      messages += counts.fresh;
      rows += counts.created;
    }
  };
  await Promise.all(
    Array.from({ length: Math.max(1, Math.min(deps.enqueueConcurrency ?? 1, batches.length)) }, lane),
  );
  if (messages > 0) deps.wake?.();
  return { messages, rows };
}

async function enqueueOne(repos: Repos, channel: string, entry: KeyedMessage, at: Date): Promise<number> {
  if (!entry.notBefore || entry.message.kind !== "text") {
    return enqueueMessages(repos, channel, entry.key, [entry.message], at);
  }
  // enqueueMessages has no delivery time; the same splitting and keys, with notBefore.
  let created = 0;
  let n = 0;
  for (const content of splitUtf8(entry.message.text)) {
    n++;
    const res = await repos.outbox.enqueue({
      channel,
      recipient: entry.message.to,
      recipientKind: "user",
      body: { msgtype: "text", text: { content } },
      idempotencyKey: `${entry.key}#${n}`,
      notBefore: entry.notBefore,
      at,
    });
    if (res.created) created++;
  }
  return created;
}
