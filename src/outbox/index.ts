/** Durable outbound delivery: enqueue in the caller's transaction, rate-limited worker. */
export * from "./outbox-limits";
export * from "./outbox-worker";
export * from "./plan-admission";
