/** A settable clock and a fake WeCom send endpoint for outbox tests. */
import type { DeliverFn, JsonValue, OutboxDelivery } from "../../src/outbox";

export const T0 = new Date("2026-11-24T08:00:00.000Z");

export interface FakeClock {
  now: () => Date;
  /** Milliseconds since T0. */
  elapsed(): number;
  advance(ms: number): void;
  set(msSinceT0: number): void;
}

export function createClock(start = T0): FakeClock {
  let t = start.getTime();
  return {
    now: () => new Date(t),
    elapsed: () => t - start.getTime(),
    advance(ms) {
      t += ms;
    },
    set(ms) {
      t = start.getTime() + ms;
    },
  };
}

/** An error shaped like the WeCom client's (`retryable`, optional `errcode`). */
export function wecomError(errcode: number | null, retryable: boolean, message = `errcode ${errcode}`) {
  return Object.assign(new Error(message), { retryable, errcode });
}

export interface DeliverCall {
  /** Fake-clock time of the call, ms since T0. */
  at: number;
  delivery: OutboxDelivery;
}

export interface FakeWecom {
  deliver: DeliverFn;
  calls: DeliverCall[];
  /** What recipients actually received, after WeCom's duplicate check. */
  inbox: { at: number; recipient: string; body: JsonValue }[];
  callsFor(idempotencyKey: string): DeliverCall[];
}

/**
 * Accepts every send unless `fail` returns an error for it. Member messages with
 * `enable_duplicate_check: 1` are dropped like WeCom does (identical JSON to the same member
 * within duplicate_check_interval), but still answered with success.
 */
export function createFakeWecom(
  clock: FakeClock,
  fail?: (d: OutboxDelivery, callNo: number) => unknown,
): FakeWecom {
  const calls: DeliverCall[] = [];
  const inbox: FakeWecom["inbox"] = [];
  const lastAccepted = new Map<string, number>();
  const deliver: DeliverFn = async (delivery) => {
    const at = clock.elapsed();
    calls.push({ at, delivery });
    const err = fail?.(delivery, calls.filter((c) => c.delivery.id === delivery.id).length);
    if (err) throw err;
    const body = delivery.body as Record<string, JsonValue>;
    if (delivery.recipientKind === "user" && body.enable_duplicate_check === 1) {
      const key = `${delivery.recipient}\u0000${JSON.stringify(body)}`;
      const interval = Number(body.duplicate_check_interval ?? 1800) * 1000;
      const prev = lastAccepted.get(key);
      if (prev !== undefined && at - prev < interval) return { msgid: `dup-${calls.length}` };
      lastAccepted.set(key, at);
    }
    inbox.push({ at, recipient: delivery.recipient, body: delivery.body });
    return { msgid: `msg-${calls.length}` };
  };
  return {
    deliver,
    calls,
    inbox,
    callsFor: (key) => calls.filter((c) => c.delivery.idempotencyKey === key),
  };
}

/** A promise with its resolve function, for gating fake sends. */
export function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** The largest number of `times` in any window (t − windowMs, t]. */
export function maxInSlidingWindow(times: readonly number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  for (let i = 0; i < sorted.length; i++) {
    let n = 0;
    for (let j = i; j >= 0 && sorted[j]! > sorted[i]! - windowMs; j--) n++;
    best = Math.max(best, n);
  }
  return best;
}
