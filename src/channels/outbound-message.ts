import type { AppMessageContent } from "../wecom/messages";
import { splitUtf8 } from "../wecom/split-utf8";
import { storableText } from "../wecom/storable-text";
import type { Repos } from "../store/store";
import { WECOM_LIMITS } from "../wecom/limits";

/** A reply or push to one member, as the bot produces it (before splitting). */
export type OutgoingMessage =
  | { kind: "text"; to: string; text: string }
  | { kind: "card"; to: string; card: AppMessageContent; fallbackText: string };

/**
 * Enqueues messages in the caller's transaction. Text longer than WeCom keeps is split on UTF-8
 * boundaries into several messages with keys `<key>#1`, `<key>#2`, … so a retry never doubles one.
 */
export async function enqueueMessages(
  repos: Pick<Repos, "outbox">,
  channel: string,
  key: string,
  messages: readonly OutgoingMessage[],
  at?: Date,
  opts: { duplicateCheck?: boolean; priority?: number } = {},
): Promise<number> {
  let created = 0;
  let n = 0;
  for (const m of messages) {
    const bodies: AppMessageContent[] =
      m.kind === "text"
        ? splitUtf8(storableText(m.text), WECOM_LIMITS.textBytes).map((content) => ({
            msgtype: "text",
            text: { content },
          }))
        : [m.card];
    for (const body of bodies) {
      n++;
      const res = await repos.outbox.enqueue({
        channel,
        recipient: m.to,
        recipientKind: "user",
        // WeCom's duplicate check drops identical JSON within its interval. Replies opt out: a
        // cadre who sends the same thing twice must get two answers, and a reply repeated after
        // a crash is better than a reply swallowed.
        body: (opts.duplicateCheck === false ? { ...body, enable_duplicate_check: 0 } : body) as never,
        idempotencyKey: `${key}#${n}`,
        at,
        priority: opts.priority,
      });
      if (res.created) created++;
    }
  }
  return created;
}
