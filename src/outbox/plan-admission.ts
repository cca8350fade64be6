/**
 * Pure rate-limit planning: given claimed messages and what each scope has already used (sends in
 * the window, read from the database, plus sends in flight), decide which messages go now and when
 * the others may go. Sliding windows: a send at time t counts while t > now − window.
 */
import type { RecipientKind, SendScope } from "../store/outbox-repository";
import type { OutboxLimits, RateWindow } from "./outbox-limits";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** One budget a message draws on, e.g. "this member on this app" or "all app chats". */
export interface ScopeRule {
  key: string;
  scope: SendScope;
  windows: RateWindow[];
}

export interface AddressedMessage {
  id: number;
  channel: string;
  recipient: string;
  recipientKind: RecipientKind;
}

/** The budgets a message draws on under `limits`. */
export function rulesFor(message: AddressedMessage, limits: OutboxLimits): ScopeRule[] {
  const { channel, recipient, recipientKind } = message;
  switch (recipientKind) {
    case "user": {
      const rules: ScopeRule[] = [
        {
          key: `${channel}\u0000user\u0000${recipient}`,
          scope: { channel, recipientKind, recipient },
          windows: [
            { max: limits.userPerMinute, windowMs: MINUTE },
            { max: limits.userPerHour, windowMs: HOUR },
          ],
        },
      ];
      if (limits.appUsersPerDay !== null) {
        rules.push({
          key: `${channel}\u0000user`,
          scope: { channel, recipientKind },
          windows: [{ max: limits.appUsersPerDay, windowMs: DAY }],
        });
      }
      return rules;
    }
    case "chat":
      return [
        {
          key: `${channel}\u0000chat`,
          scope: { channel, recipientKind },
          windows: [
            { max: limits.chatsPerMinute, windowMs: MINUTE },
            { max: limits.chatsPerDay, windowMs: DAY },
          ],
        },
      ];
    case "webhook":
      return [
        {
          key: `${channel}\u0000webhook\u0000${recipient}`,
          scope: { channel, recipientKind, recipient },
          windows: [{ max: limits.webhookPerMinute, windowMs: MINUTE }],
        },
      ];
  }
}

/** What a scope has used: send times (any order) and sends in flight (counted as happening now). */
export interface ScopeUsage {
  sentAt: readonly Date[];
  inFlight: number;
}

export interface AdmissionPlan<M> {
  /** Send these now, in this order. */
  admit: M[];
  /** Hand these back until `until`, when the fullest window they hit frees a place. */
  defer: { message: M; until: Date; scopeKey: string }[];
}

/**
 * Admits messages in the given order while every window of every scope they draw on has room,
 * counting the ones admitted earlier in the same batch. `usage` must have an entry for every
 * scope key of every message (missing means unused).
 */
export function planAdmission<M extends AddressedMessage>(
  messages: readonly M[],
  usage: ReadonlyMap<string, ScopeUsage>,
  limits: OutboxLimits,
  now: Date,
): AdmissionPlan<M> {
  const t = now.getTime();
  // Per scope: use times in ms, newest first.
  const times = new Map<string, number[]>();
  const timesOf = (key: string): number[] => {
    let list = times.get(key);
    if (!list) {
      const u = usage.get(key);
      list = u ? [...u.sentAt.map((d) => d.getTime()), ...new Array<number>(u.inFlight).fill(t)] : [];
      list.sort((a, b) => b - a);
      times.set(key, list);
    }
    return list;
  };

  const plan: AdmissionPlan<M> = { admit: [], defer: [] };
  for (const message of messages) {
    const rules = rulesFor(message, limits);
    let until = -Infinity;
    let blockedBy = "";
    for (const rule of rules) {
      const list = timesOf(rule.key);
      for (const w of rule.windows) {
        const inWindow = countAfter(list, t - w.windowMs);
        if (inWindow < w.max) continue;
        // The max-th newest send is the one whose ageing out brings the count below max.
        const freesAt = list[w.max - 1]! + w.windowMs;
        if (freesAt > until) {
          until = freesAt;
          blockedBy = rule.key;
        }
      }
    }
    if (blockedBy) {
      plan.defer.push({ message, until: new Date(until), scopeKey: blockedBy });
      continue;
    }
    plan.admit.push(message);
    for (const rule of rules) insertNewestFirst(timesOf(rule.key), t);
  }
  return plan;
}

/** How many of `list` (newest first) are strictly after `since`. */
function countAfter(list: readonly number[], since: number): number {
  let n = 0;
  while (n < list.length && list[n]! > since) n++;
  return n;
}

function insertNewestFirst(list: number[], value: number): void {
  let i = 0;
  while (i < list.length && list[i]! > value) i++;
  list.splice(i, 0, value);
}
