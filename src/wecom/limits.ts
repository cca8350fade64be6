/**
 * WeCom limits this project relies on (wecom.md §3.6, §4.2, §4.4–§4.6). WeCom enforces most of
 * them silently — over-long text is truncated, per-member excess is dropped with errcode 0 — so
 * the outbox must respect them up front; the emulator records violations.
 */
export const WECOM_LIMITS = {
  /** message/send, appchat/send, passive reply: text content in UTF-8 bytes. */
  textBytes: 2048,
  /** message/send and appchat/send markdown content in UTF-8 bytes. */
  markdownBytes: 2048,
  /** Group robot webhook text content in UTF-8 bytes. */
  webhookTextBytes: 2048,
  /** Group robot webhook markdown content in UTF-8 bytes. */
  webhookMarkdownBytes: 4096,
  /** message/send to the same member, per app: excess silently dropped. */
  memberMessagesPerMinute: 30,
  memberMessagesPerHour: 1000,
  /** Messages one member may receive per minute from one app across its app chats. */
  appChatMemberMessagesPerMinute: 200,
  /** Group robot: messages per minute per webhook key. */
  webhookMessagesPerMinute: 20,
  /** message/send duplicate_check_interval maximum, seconds (4 h). */
  duplicateCheckIntervalMaxSeconds: 14_400,
  /** Callback request body cap (the official plugin's value). */
  callbackBodyBytes: 1024 * 1024,
} as const;

/** The shape of {@link WECOM_LIMITS} with plain numbers (for overrides in the emulator). */
export type WecomLimits = { [K in keyof typeof WECOM_LIMITS]: number };
