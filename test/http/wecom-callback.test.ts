/**
 * /wecom/callback over real HTTP with the official WeCom vectors (wecom.md §1.7), forged and
 * malformed requests, and redeliveries.
 */
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import pino from "pino";
import type { InboundEnvelope } from "../../src/channels/inbound-envelope";
import { createApp } from "../../src/http/app";
import { createMetrics } from "../../src/http/metrics";
import { wecomCallbackRoutes } from "../../src/http/routes/wecom-callback";
import { PrismaInboundRepository } from "../../src/store/inbound-repository";
import { computeSignature, encryptMessage } from "../../src/wecom/crypto";
import { renderXml } from "../../src/wecom/xml";
import { encryptRaw, layout } from "../wecom/fixtures/raw-cipher";
import { SAMPLE, V1, V2, V2_BODY, V4, V8 } from "../wecom/fixtures/vectors";
import { createTestDb, type TestDb } from "../helpers/test-db";

let db: TestDb;
const received: InboundEnvelope[] = [];
const servers: Server[] = [];

/** A server whose callback uses the given app settings; returns its base URL. */
async function serve(config: { token: string; encodingAesKey: string; receiveId: string }): Promise<string> {
  const logger = pino({ level: "silent" });
  const app = createApp({
    logger,
    metrics: createMetrics({ defaults: false }),
    health: { mode: "wecom", dbKind: db.kind, ping: () => db.ping() },
    routers: [
      wecomCallbackRoutes({
        channel: `app-${servers.length}`,
        config,
        inbound: new PrismaInboundRepository(db.prisma),
        now: () => new Date("2026-11-24T01:00:00Z"),
        logger,
        onInbound: (e) => received.push(e),
      }),
    ],
  });
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, "127.0.0.1", () => resolve(s));
  });
  servers.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

let sample: string;
beforeAll(async () => {
  db = await createTestDb();
  sample = await serve({
    token: SAMPLE.token,
    encodingAesKey: SAMPLE.encodingAesKey,
    receiveId: SAMPLE.corpId,
  });
});
afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  await db.close();
});

const v2Query = `msg_signature=${V2.msgSignature}&timestamp=${V2.timestamp}&nonce=${V2.nonce}`;
const post = (base: string, query: string, body: string) =>
  fetch(`${base}/wecom/callback?${query}`, { method: "POST", headers: { "content-type": "text/xml" }, body });
const tick = () => new Promise((r) => setTimeout(r, 20));

test("V1: URL verification answers exactly the decrypted echostr", async () => {
  const res = await fetch(`${sample}/wecom/callback?${V1.rawQuery}`);
  expect(res.status).toBe(200);
  expect(await res.text()).toBe(V1.message);
});

test("V1 with a forged signature is refused", async () => {
  const res = await fetch(`${sample}/wecom/callback?${V1.rawQuery.replace(V1.msgSignature, "0".repeat(40))}`);
  expect(res.status).toBe(401);
  expect(((await res.json()) as { error: string }).error).toBe("signature_mismatch");
});

test("V2: the official message is verified, decrypted, stored, acknowledged and handed on once, even when sent three times", async () => {
  const before = received.length;
  for (let i = 0; i < 3; i++) {
    const res = await post(sample, v2Query, V2_BODY);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("");
  }
  await tick();
  const rows = await db.prisma.inboundMessage.findMany({ where: { externalId: "msg:4561255354251345929" } });
  expect(rows).toHaveLength(1);
  expect(rows[0]).toMatchObject({ fromUser: "mycreate", msgType: "text", status: "received" });
  expect((rows[0]!.payload as { xml: string }).xml).toBe(V2.message);
  const handed = received.slice(before);
  expect(handed).toHaveLength(1);
  expect(handed[0]!.event).toMatchObject({ type: "text", fromUserId: "mycreate", content: "hello" });
});

test("V2 re-encrypted byte-exact with its random is accepted as the same message (deduplicated)", async () => {
  const encrypt = encryptMessage(
    SAMPLE.encodingAesKey,
    V2.message,
    SAMPLE.corpId,
    Buffer.from(V2.random, "latin1"),
  );
  expect(encrypt).toBe(V2.encrypt);
  const before = received.length;
  const res = await post(
    sample,
    v2Query,
    renderXml({ ToUserName: SAMPLE.corpId, Encrypt: encrypt, AgentID: "218" }),
  );
  expect(res.status).toBe(200);
  await tick();
  expect(received.length).toBe(before);
});

test.each([
  [
    "a forged signature",
    v2Query.replace(V2.msgSignature, "f".repeat(40)),
    V2_BODY,
    401,
    "signature_mismatch",
  ],
  ["a missing signature", `timestamp=${V2.timestamp}&nonce=${V2.nonce}`, V2_BODY, 400, "missing_parameter"],
  ["a tampered ciphertext", v2Query, V2_BODY.replace("RypE", "RypF"), 401, "signature_mismatch"],
  ["malformed XML", v2Query, "<xml><Encrypt>", 400, "malformed_xml"],
  [
    "an entity-expansion body",
    v2Query,
    `<!DOCTYPE x [<!ENTITY a "aaaa">]><xml><Encrypt>&a;</Encrypt></xml>`,
    400,
    "malformed_xml",
  ],
  ["an empty body", v2Query, "", 400, "malformed_xml"],
])("%s is refused with no side effects", async (_what, query, body, status, code) => {
  const before = await db.prisma.inboundMessage.count();
  const handed = received.length;
  const res = await post(sample, query, body);
  expect(res.status).toBe(status);
  expect(((await res.json()) as { error: string }).error).toBe(code);
  await tick();
  expect(await db.prisma.inboundMessage.count()).toBe(before);
  expect(received.length).toBe(handed);
});

test("a body over 1 MiB is refused with 413 and the server stays healthy", async () => {
  const res = await post(
    sample,
    v2Query,
    `<xml><Encrypt>${"A".repeat(1024 * 1024 + 10)}</Encrypt></xml>`,
  ).catch(() => null);
  expect(res?.status).toBe(413);
  const health = await fetch(`${sample}/healthz`);
  expect(health.status).toBe(200);
});

/** Signs and posts a ciphertext for the app `base` was configured with. */
async function postCipher(base: string, token: string, encrypt: string) {
  const timestamp = "1700000000";
  const nonce = "42";
  const sig = computeSignature(token, timestamp, nonce, encrypt);
  return post(
    base,
    `msg_signature=${sig}&timestamp=${timestamp}&nonce=${nonce}`,
    renderXml({ ToUserName: "x", Encrypt: encrypt }),
  );
}

test("V4: the official deterministic ciphertext decrypts over HTTP (its plaintext is not XML, so 400 malformed_xml, not a crypto error)", async () => {
  const v4 = await serve({ token: "t", encodingAesKey: V4.encodingAesKey, receiveId: V4.receiveId });
  const res = await postCipher(v4, "t", V4.encrypt);
  expect(res.status).toBe(400);
  expect(((await res.json()) as { error: string }).error).toBe("malformed_xml");
  // The same ciphertext for another app is refused by its receive id.
  const other = await serve({ token: "t", encodingAesKey: V4.encodingAesKey, receiveId: "wwanother" });
  const res2 = await postCipher(other, "t", V4.encrypt);
  expect(((await res2.json()) as { error: string }).error).toBe("receive_id_mismatch");
});

test('V8: a ciphertext for the intelligent bot (receive id "") is refused by the self-built app endpoint', async () => {
  const res = await postCipher(sample, SAMPLE.token, V8.encrypt);
  expect(res.status).toBe(400);
  expect(((await res.json()) as { error: string }).error).toBe("receive_id_mismatch");
});

test("the 32-byte padding case (a full block of 0x20) is accepted; a bad pad byte is refused", async () => {
  const xml = (content: string) =>
    `<xml><ToUserName><![CDATA[${SAMPLE.corpId}]]></ToUserName><FromUserName><![CDATA[pad32]]></FromUserName><CreateTime>1700000000</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[${content}]]></Content><MsgId>777</MsgId><AgentID>1</AgentID></xml>`;
  // Choose a content length that makes the layout an exact multiple of 32 bytes.
  let content = "x";
  while (layout("0123456789abcdef", xml(content), SAMPLE.corpId).length % 32 !== 0) content += "x";
  const data = layout("0123456789abcdef", xml(content), SAMPLE.corpId);
  const good = Buffer.concat([data, Buffer.alloc(32, 32)]);
  const res = await postCipher(sample, SAMPLE.token, encryptRaw(SAMPLE.encodingAesKey, good));
  expect(res.status).toBe(200);
  const bad = Buffer.concat([data, Buffer.alloc(31, 32), Buffer.from([31])]);
  const res2 = await postCipher(sample, SAMPLE.token, encryptRaw(SAMPLE.encodingAesKey, bad));
  expect(res2.status).toBe(400);
  expect(((await res2.json()) as { error: string }).error).toBe("bad_padding");
});
