/** The WeCom channel's public surface: crypto, callback parsing, events, API client, limits. */
export * from "./callback";
export * from "./client";
export * from "./crypto";
export * from "./errors";
export * from "./events";
export * from "./limits";
export * from "./messages";
export * from "./passive-reply";
export * from "./split-utf8";
export * from "./token-store";
