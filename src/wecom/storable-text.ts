/** UTF-16 surrogates that are not part of a pair. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * Replaces the characters PostgreSQL cannot store with U+FFFD (the replacement character): U+0000,
 * which neither `text` nor `jsonb` accepts, and lone UTF-16 surrogates, which `jsonb` refuses and
 * WeCom's JSON API cannot carry either (String.prototype.toWellFormed, plus U+0000). Replaced,
 * not removed: removing could merge what it separated into another command ("1", U+0000,
 * "2 正常" would read "12 正常"), and a visible � shows the sender what was not understood.
 *
 * Applied once where a callback enters (parseCallback) and, as the one shared safeguard, where
 * the bot reads text and where replies are enqueued.
 */
export function storableText(text: string): string {
  return text.replaceAll("\u0000", "\ufffd").replace(LONE_SURROGATE, "\ufffd");
}
