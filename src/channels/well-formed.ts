const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * Replaces lone UTF-16 surrogates with U+FFFD: they cannot be stored in JSON columns nor sent
 * to WeCom (String.prototype.toWellFormed, which Node 20's TypeScript lib does not declare).
 */
export function wellFormed(text: string): string {
  return text.replace(LONE_SURROGATE, "\ufffd");
}
