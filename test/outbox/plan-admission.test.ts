import {
  type AddressedMessage,
  backoffDelayMs,
  DEFAULT_OUTBOX_LIMITS,
  DEFAULT_RETRY_POLICY,
  isRetryableError,
  type OutboxLimits,
  OutboxDeliverTimeoutError,
  planAdmission,
  rulesFor,
  type ScopeUsage,
  withDuplicateCheck,
} from "../../src/outbox";

const NOW = new Date("2026-11-24T08:00:00.000Z");
const ago = (ms: number) => new Date(NOW.getTime() - ms);
const limits: OutboxLimits = { ...DEFAULT_OUTBOX_LIMITS };
let nextId = 1;
const msg = (
  recipient: string,
  recipientKind: AddressedMessage["recipientKind"] = "user",
  channel = "app",
) => ({
  id: nextId++,
  channel,
  recipient,
  recipientKind,
});
const key = (m: AddressedMessage) => rulesFor(m, limits)[0]!.key;

describe("planAdmission", () => {
  test("a member with 29 sends in the last minute gets one more now; the next waits for the oldest to age out", () => {
    const a = msg("zhangsan");
    const b = msg("zhangsan");
    const sentAt = Array.from({ length: 29 }, (_, i) => ago(59_000 - i * 1000)); // 59 s … 31 s ago
    const plan = planAdmission([a, b], new Map([[key(a), { sentAt, inFlight: 0 }]]), limits, NOW);
    expect(plan.admit).toEqual([a]);
    // 30 sends now in the window; the oldest (59 s ago) leaves it 1 s from now.
    expect(plan.defer).toEqual([{ message: b, until: new Date(NOW.getTime() + 1_000), scopeKey: key(b) }]);
  });

  test("a send exactly one window ago no longer counts", () => {
    const a = msg("u");
    const sentAt = Array.from({ length: 30 }, () => ago(60_000));
    expect(planAdmission([a], new Map([[key(a), { sentAt, inFlight: 0 }]]), limits, NOW).admit).toEqual([a]);
    const fresh = Array.from({ length: 30 }, () => ago(59_999));
    expect(
      planAdmission([a], new Map([[key(a), { sentAt: fresh, inFlight: 0 }]]), limits, NOW).defer,
    ).toEqual([{ message: a, until: new Date(NOW.getTime() + 1), scopeKey: key(a) }]);
  });

  test("sends in flight count as happening now", () => {
    const a = msg("u");
    const usage = new Map<string, ScopeUsage>([[key(a), { sentAt: [], inFlight: 30 }]]);
    expect(planAdmission([a], usage, limits, NOW).defer[0]?.until).toEqual(new Date(NOW.getTime() + 60_000));
  });

  test("the hourly limit: 1,000 in the hour blocks until the 1,000th newest is an hour old", () => {
    const a = msg("u");
    // 1,000 sends spread over the last 50 minutes, none in the last minute.
    const sentAt = Array.from({ length: 1000 }, (_, i) => ago(61_000 + i * 2_939));
    const plan = planAdmission([a], new Map([[key(a), { sentAt, inFlight: 0 }]]), limits, NOW);
    const oldest = sentAt[999]!.getTime();
    expect(plan.defer).toEqual([{ message: a, until: new Date(oldest + 3_600_000), scopeKey: key(a) }]);
  });

  test("within a batch, admissions count against later messages; other members are independent", () => {
    const batch = [
      ...Array.from({ length: 35 }, () => msg("a")),
      msg("b"),
      ...Array.from({ length: 22 }, () => msg("KEY", "webhook")),
    ];
    const plan = planAdmission(batch, new Map(), limits, NOW);
    const count = (r: string, list: AddressedMessage[]) => list.filter((m) => m.recipient === r).length;
    expect(count("a", plan.admit)).toBe(30);
    expect(count("b", plan.admit)).toBe(1);
    expect(count("KEY", plan.admit)).toBe(20);
    expect(plan.defer.map((d) => d.until.getTime() - NOW.getTime())).toEqual(new Array(7).fill(60_000));
    // Admitted in the order given.
    expect(plan.admit.filter((m) => m.recipient === "a")).toEqual(batch.slice(0, 30));
  });

  test("all app chats of a channel share one budget; a different channel has its own", () => {
    const tight: OutboxLimits = { ...limits, chatsPerMinute: 2 };
    const batch = [msg("c1", "chat"), msg("c2", "chat"), msg("c3", "chat"), msg("c1", "chat", "other-app")];
    const plan = planAdmission(batch, new Map(), tight, NOW);
    expect(plan.admit.map((m) => m.id)).toEqual([batch[0]!.id, batch[1]!.id, batch[3]!.id]);
  });

  test("the daily chat limit and the optional per-app daily member limit", () => {
    const chat = msg("c", "chat");
    const chatKey = key(chat);
    const dayFull = Array.from({ length: 10_000 }, (_, i) => ago(3_600_000 + i));
    expect(
      planAdmission([chat], new Map([[chatKey, { sentAt: dayFull, inFlight: 0 }]]), limits, NOW).admit,
    ).toEqual([]);
    expect(rulesFor(msg("u"), limits)).toHaveLength(1);
    const capped: OutboxLimits = { ...limits, appUsersPerDay: 2 };
    const batch = [msg("u1"), msg("u2"), msg("u3")];
    expect(rulesFor(batch[0]!, capped)).toHaveLength(2);
    expect(planAdmission(batch, new Map(), capped, NOW).admit).toEqual(batch.slice(0, 2));
  });
});

describe("backoffDelayMs", () => {
  test.each([
    [1, 0, 2_500],
    [1, 0.999999, 5_000],
    [2, 0, 5_000],
    [4, 0.5, 30_000],
    [8, 0, 300_000],
    [20, 0.999999, 600_000],
  ])(
    "attempt %i, random %f → %i ms (exponential, capped, jittered into [d/2, d))",
    (attempt, r, expected) => {
      expect(backoffDelayMs(attempt, null, DEFAULT_RETRY_POLICY, () => r)).toBeCloseTo(expected, -1);
    },
  );
  test("45009 waits at least the 60 s penalty window", () => {
    expect(backoffDelayMs(1, 45009, DEFAULT_RETRY_POLICY, () => 0)).toBe(60_000);
    expect(backoffDelayMs(8, 45009, DEFAULT_RETRY_POLICY, () => 0)).toBe(300_000);
  });
});

describe("isRetryableError", () => {
  test.each<[string, unknown, boolean]>([
    ["retryable: true", { retryable: true, errcode: 81013 }, true],
    ["retryable: false", { retryable: false, errcode: -1 }, false],
    ["-1 system busy", { errcode: -1 }, true],
    ["45009 frequency", { errcode: 45009 }, true],
    ["45033 concurrency", { errcode: 45033 }, true],
    ["81013 no valid recipient", { errcode: 81013 }, false],
    ["HTTP 502", { httpStatus: 502 }, true],
    ["HTTP 400", { httpStatus: 400 }, false],
    ["our timeout", new OutboxDeliverTimeoutError(10), true],
    ["fetch failed (TypeError)", new TypeError("fetch failed"), true],
  ])("%s → %s", (_name, err, expected) => {
    expect(isRetryableError(err)).toBe(expected);
  });
});

describe("withDuplicateCheck", () => {
  test("adds the flag and interval to an object body, deterministically", () => {
    const body = { msgtype: "text", text: { content: "你好" } };
    const a = withDuplicateCheck(body, 1800);
    expect(a).toEqual({ ...body, enable_duplicate_check: 1, duplicate_check_interval: 1800 });
    expect(JSON.stringify(withDuplicateCheck(body, 1800))).toBe(JSON.stringify(a));
    expect(body).not.toHaveProperty("enable_duplicate_check");
  });
  test("leaves a body that decides for itself, and non-object bodies, alone", () => {
    const optOut = { msgtype: "text", enable_duplicate_check: 0 };
    expect(withDuplicateCheck(optOut, 1800)).toBe(optOut);
    expect(withDuplicateCheck("text", 1800)).toBe("text");
    expect(withDuplicateCheck([1], 1800)).toEqual([1]);
  });
});
