/**
 * WeCom's sending limits as the outbox enforces them, with the retry policy. Figures from
 * /work/shared/design/wecom.md (section numbers below); WeCom drops most over-limit messages
 * silently with errcode 0, so the only safe place to respect them is before sending.
 */

/** A sliding window: at most `max` sends in any `windowMs` span. */
export interface RateWindow {
  max: number;
  windowMs: number;
}

export interface OutboxLimits {
  /**
   * message/send, per app to the same member: ≤ 30/min and ≤ 1,000/hour; excess is silently
   * dropped (wecom.md §4.6, DOC path/90454 "访问频率限制" and path/90236; checklist §7.5).
   */
  userPerMinute: number;
  userPerHour: number;
  /**
   * message/send, per app: ≤ account cap × 200 person-times a day (§4.6). The account cap is the
   * corp's licence size, unknown here: null leaves it unenforced; set it when known.
   */
  appUsersPerDay: number | null;
  /**
   * appchat/send: each member receives ≤ 200/min and ≤ 10,000/day from one app across all its app
   * chats, excess silently dropped (§4.6). Chat membership is not known here and a member may sit
   * in every chat, so all app chats of a channel share one budget (the only safe reading).
   */
  chatsPerMinute: number;
  chatsPerDay: number;
  /** Group robot (webhook): ≤ 20 messages/minute per robot key (§4.5 "消息发送频率限制"). */
  webhookPerMinute: number;
  /**
   * Sends in flight across all instances. 45033 "api concurrent out of limit" has been seen with
   * modest parallelism (a community reply cites ~10 per API; §4.6), so stay below that.
   */
  maxInFlight: number;
}

export const DEFAULT_OUTBOX_LIMITS: Readonly<OutboxLimits> = Object.freeze({
  userPerMinute: 30,
  userPerHour: 1_000,
  appUsersPerDay: null,
  chatsPerMinute: 200,
  chatsPerDay: 10_000,
  webhookPerMinute: 20,
  maxInFlight: 8,
});

export interface RetryPolicy {
  /** Attempts in all (the first included); a retryable failure on the last one fails the message. */
  maxAttempts: number;
  /** Delay after the first failed attempt; doubled per attempt, capped at maxDelayMs, jittered ×[0.5, 1). */
  baseDelayMs: number;
  maxDelayMs: number;
  /**
   * Floor after 45009 "api freq out of limit": a per-minute limit blocks for 60 s (§4.6 penalty
   * windows), so trying sooner only extends the block.
   */
  freqLimitDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: Readonly<RetryPolicy> = Object.freeze({
  maxAttempts: 8,
  baseDelayMs: 5_000,
  maxDelayMs: 10 * 60_000,
  freqLimitDelayMs: 60_000,
});

/** WeCom's default duplicate_check_interval, seconds (§4.2). */
export const DEFAULT_DUPLICATE_CHECK_INTERVAL_S = 1_800;
/** WeCom's maximum duplicate_check_interval: 4 hours (§4.2). */
export const MAX_DUPLICATE_CHECK_INTERVAL_S = 14_400;

/** errcodes worth retrying later: -1 system busy, 45009 frequency, 45033 concurrency (§4.6). */
export const RETRYABLE_WECOM_ERRCODES: ReadonlySet<number> = new Set([-1, 45009, 45033]);

/** Throws on limits that cannot work (a zero window would block a recipient for ever). */
export function validateLimits(limits: OutboxLimits): void {
  for (const [name, value] of Object.entries(limits)) {
    if (value === null && name === "appUsersPerDay") continue;
    if (typeof value !== "number" || !Number.isInteger(value) || value < 1) {
      throw new Error(`outbox limits: ${name} must be a positive integer, got ${String(value)}`);
    }
  }
}
