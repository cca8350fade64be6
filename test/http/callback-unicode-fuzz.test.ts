/**
 * Whatever Unicode a correctly signed and encrypted message carries, the real path — HTTP
 * callback → inbound record → bot → outbox → WeCom API (the emulator) — answers it like any other
 * text: one 200, one stored row, one ordinary reply, never the internal-error notice. PostgreSQL
 * cannot store U+0000 (text, jsonb) nor lone surrogates (jsonb), so those are the characters that
 * used to break it; run this file on PostgreSQL too (TEST_DATABASE_URL).
 */
import { type CallbackRequest, createCallbackSender } from "../../src/wecom/emulator/callback-sender";
import { cdata } from "../../src/wecom/xml";
import { prng } from "../helpers/prng";
import { seedSmallTownship, startTestServices, type TestServices } from "../helpers/test-services";
import { APP, startEmulator } from "../wecom/fixtures/emulator-setup";

/**
 * A test clock, moved 3 s per message: WeCom (and so the outbox) lets one member receive 30
 * messages a minute, and a clock that never moved would hold the 31st reply forever.
 */
let now = new Date("2026-11-24T02:00:00Z");
const clock = () => now;

let emu: Awaited<ReturnType<typeof startEmulator>>;
let s: TestServices;
const sender = createCallbackSender({ ...APP, now: clock });

beforeAll(async () => {
  emu = await startEmulator();
  s = await startTestServices({
    now: clock,
    env: {
      WECOM_CORP_ID: APP.corpId,
      WECOM_AGENT_ID: String(APP.agentId),
      WECOM_SECRET: APP.secret,
      WECOM_TOKEN: APP.token,
      WECOM_ENCODING_AES_KEY: APP.encodingAesKey,
      WECOM_API_BASE: emu.url,
    },
  });
  await seedSmallTownship(s);
});
afterAll(async () => {
  await s.stop();
  await emu.close();
});

let msgSeq = 0n;
const nextMsgId = () => String(7_000_000_000_000_000_000n + ++msgSeq);

/** The inner XML of a text message whose Content element is given verbatim (CDATA or escaped). */
function textXml(contentElement: string, msgId: string, from = "wangli"): string {
  return (
    `<xml><ToUserName>${cdata(APP.corpId)}</ToUserName><FromUserName>${cdata(from)}</FromUserName>` +
    `<CreateTime>${Math.floor(now.getTime() / 1000)}</CreateTime><MsgType>${cdata("text")}</MsgType>` +
    `<Content>${contentElement}</Content><MsgId>${msgId}</MsgId><AgentID>${APP.agentId}</AgentID></xml>`
  );
}

/**
 * Plain XML text with every character outside printable ASCII written as a numeric character
 * reference, one per UTF-16 code unit for surrogates (so a lone surrogate survives as `&#xD800;`).
 */
function escaped(text: string): string {
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    const ch = text[i] as string;
    if (ch === "<") out += "&lt;";
    else if (ch === ">") out += "&gt;";
    else if (ch === "&") out += "&amp;";
    else if (unit >= 0x20 && unit < 0x7f) out += ch;
    else out += `&#x${unit.toString(16).toUpperCase()};`;
  }
  return out;
}

interface Outcome {
  /** HTTP status of the one POST. */
  status: number;
  /** Inbound rows stored under the message's MsgId. */
  rows: number;
  inboundStatus: string | undefined;
  /** Texts of the ordinary replies (`reply:` keys), in order. */
  replies: string[];
  /** Outbox rows under the failure key (the internal-error notice). */
  errors: number;
  /** Replies WeCom (the emulator) has not accepted. */
  unsent: number;
}

/** POSTs one callback and waits until the bot has answered it and WeCom accepted the answer. */
async function deliver(request: CallbackRequest, msgId: string): Promise<Outcome> {
  now = new Date(now.getTime() + 3_000);
  const res = await fetch(`${s.url}/wecom/callback?${request.queryString}`, {
    method: "POST",
    headers: { "content-type": "text/xml" },
    body: request.body,
  });
  await res.arrayBuffer();
  const key = `msg:${msgId}`;
  const replies = async (id: number) =>
    s.db.prisma.outboundMessage.findMany({
      where: { idempotencyKey: { startsWith: `reply:app:${id}#` } },
      orderBy: { id: "asc" },
    });
  let inbound = await s.store.inbound.findByKey("app", key);
  for (let i = 0; res.status === 200 && i < 500; i++) {
    if (inbound && inbound.status !== "received") {
      const rows = await replies(inbound.id);
      if (inbound.status === "failed" || (rows.length > 0 && rows.every((r) => r.status === "sent"))) break;
    }
    await new Promise((r) => setTimeout(r, 10));
    inbound = await s.store.inbound.findByKey("app", key);
  }
  const rows = inbound ? await replies(inbound.id) : [];
  return {
    status: res.status,
    rows: await s.db.prisma.inboundMessage.count({ where: { externalId: key } }),
    inboundStatus: inbound?.status,
    replies: rows.map((r) => (r.body as { text?: { content?: string } }).text?.content ?? ""),
    errors: inbound
      ? await s.db.prisma.outboundMessage.count({
          where: { idempotencyKey: { startsWith: `error:app:${inbound.id}#` } },
        })
      : 0,
    unsent: rows.filter((r) => r.status !== "sent").length,
  };
}

/** What every message must come to: one 200, one stored row, one ordinary reply that was sent. */
const ORDINARY = { status: 200, rows: 1, inboundStatus: "processed", replies: 1, errors: 0, unsent: 0 };
const summary = (o: Outcome) => ({ ...o, replies: o.replies.length });

/** The stored inbound row of a message. */
async function stored(msgId: string) {
  const row = await s.store.inbound.findByKey("app", `msg:${msgId}`);
  return row?.payload as { xml: string; originalBase64?: string } | undefined;
}

test("raw U+0000 inside CDATA gets one ordinary reply (also when WeCom resends it), and the original stays recoverable", async () => {
  const msgId = nextMsgId();
  const request = sender.encrypt(textXml(cdata("你好\u0000吗"), msgId));
  const outcome = await deliver(request, msgId);
  expect(summary(outcome)).toEqual(ORDINARY);
  expect(outcome.replies[0]).toContain("你好\ufffd吗");
  // WeCom resends after a timeout: answered 200 again, not stored or answered twice.
  for (let i = 0; i < 2; i++) expect(summary(await deliver(request, msgId))).toEqual(ORDINARY);
  const payload = await stored(msgId);
  expect(payload?.xml).toBe(request.plaintext.replace("\u0000", "\ufffd"));
  expect(Buffer.from(payload?.originalBase64 ?? "", "base64").toString("utf8")).toBe(request.plaintext);
});

test("&#0; outside CDATA gets one ordinary reply without U+0000; the XML is stored as sent", async () => {
  const msgId = nextMsgId();
  const request = sender.encrypt(textXml("你好&#0;吗", msgId));
  const outcome = await deliver(request, msgId);
  expect(summary(outcome)).toEqual(ORDINARY);
  expect(outcome.replies[0]).toContain("你好\ufffd吗");
  expect(await stored(msgId)).toEqual({ xml: request.plaintext });
});

test("a reference to a lone surrogate (&#xD800;) gets one ordinary reply", async () => {
  const msgId = nextMsgId();
  const outcome = await deliver(sender.encrypt(textXml("你好&#xD800;&#xdc00;吗", msgId)), msgId);
  expect(summary(outcome)).toEqual(ORDINARY);
  expect(outcome.replies[0]).toContain("你好\ufffd\ufffd吗");
});

const PIECES = [
  "你好",
  "走访",
  "正常",
  "1 正常",
  "张三",
  " ",
  "\n",
  "\t",
  "\r\n",
  "]]>",
  "<![CDATA[",
  "]]]]><![CDATA[>",
  "<xml>",
  "</Content>",
  "&",
  "&amp;",
  "&#0;",
  "&#x0;",
  "<",
  ">",
  '"',
  "'",
  "\u200f", // RIGHT-TO-LEFT MARK
  "\u202e", // RIGHT-TO-LEFT OVERRIDE
  "\u2066\u05e9\u05dc\u05d5\u05dd\u2069", // isolate around Hebrew
  "\u0645\u0631\u062d\u0628\u0627", // Arabic
  "\u200b",
  "\ufeff",
  "\ufffe",
  "\uffff",
  "\ufdd0",
  "😀",
  "👨‍👩‍👧",
  "\u{20000}", // CJK Extension B
  "\u{10ffff}",
  "\ud83d", // lone high surrogate
  "\ude00", // lone low surrogate
  "\u0000",
];

/** One random piece: a listed one, a control character, a lone surrogate or any code point. */
function piece(rand: () => number): string {
  const r = rand();
  if (r < 0.55) return PIECES[Math.floor(rand() * PIECES.length)] as string;
  if (r < 0.7) return String.fromCharCode(Math.floor(rand() * 0x20)); // C0, U+0000 included
  if (r < 0.75) return String.fromCharCode(0x7f + Math.floor(rand() * 0x21)); // DEL, C1
  if (r < 0.85) return String.fromCharCode(0xd800 + Math.floor(rand() * 0x800)); // a lone surrogate
  return String.fromCodePoint(Math.floor(rand() * 0x110000));
}

/** What PostgreSQL can store: no U+0000, no lone surrogate (checked independently of the code). */
function storable(text: string): boolean {
  return !text.includes("\u0000") && (text as unknown as { isWellFormed(): boolean }).isWellFormed();
}

/** How the Content element is written: CDATA, plain text with references, or raw plain text. */
type Encoding = "cdata" | "references" | "raw";

function contentElement(text: string, encoding: Encoding): string {
  if (encoding === "cdata") return cdata(text);
  if (encoding === "references") return escaped(text);
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}

test("200 random Unicode messages through the encrypted callback: each gets one 200, is stored once and gets one ordinary reply", async () => {
  const rand = prng(20261204);
  const encodings: Encoding[] = ["cdata", "references", "raw"];
  const failures: unknown[] = [];
  for (let i = 0; i < 200; i++) {
    let text = "";
    const pieces = 1 + Math.floor(rand() * 12);
    for (let k = 0; k < pieces; k++) text += piece(rand);
    if (rand() < 0.04) text = text.repeat(Math.ceil(10_000 / text.length)).slice(0, 10_000);
    const encoding = encodings[Math.floor(rand() * encodings.length)] as Encoding;
    const msgId = nextMsgId();
    const outcome = await deliver(sender.encrypt(textXml(contentElement(text, encoding), msgId)), msgId);
    const clean = outcome.replies.every(storable);
    if (JSON.stringify(summary(outcome)) !== JSON.stringify(ORDINARY) || !clean) {
      failures.push({
        i,
        encoding,
        text: JSON.stringify(text).slice(0, 200),
        outcome: summary(outcome),
        clean,
      });
    }
  }
  expect(failures).toEqual([]);
}, 300_000);
