/**
 * /wecom/callback over real HTTP with the official WeCom vectors (wecom.md §1.7), forged and
 * malformed requests, and redeliveries.
 */
import type { Server } from "node:http";
import net, { type AddressInfo } from "node:net";
import pino from "pino";
import type { InboundEnvelope } from "../../src/channels/inbound-envelope";
import { createApp } from "../../src/http/app";
import { createMetrics } from "../../src/http/metrics";
import { MAX_DISCARDED_BYTES, wecomCallbackRoutes } from "../../src/http/routes/wecom-callback";
import { PrismaInboundRepository } from "../../src/store/inbound-repository";
import { computeSignature, encryptMessage } from "../../src/wecom/crypto";
import { MAX_CALLBACK_BODY_BYTES } from "../../src/wecom/callback";
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

interface RawResponse {
  status: number;
  headers: string;
}

/**
 * A plain HTTP/1.1 client on one socket: writes each request whole (as fast as the socket takes
 * it) and reads the answer only then, as a simple blocking client does. Rejects with the
 * socket's error (EPIPE, ECONNRESET) if the answer is lost.
 */
function rawClient(base: string) {
  const { hostname, port } = new URL(base);
  const socket = net.connect(Number(port), hostname);
  socket.pause();
  let buffered = Buffer.alloc(0);
  let failure: Error | undefined;
  socket.on("error", (err) => {
    failure = err;
  });
  const connected = new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  async function write(data: Buffer | string): Promise<void> {
    if (failure) throw failure;
    if (!socket.write(data)) {
      await new Promise<void>((resolve, reject) => {
        const settle = (err?: Error) => {
          socket.off("drain", onDrain).off("error", settle).off("close", onClose);
          if (err) reject(err);
          else resolve();
        };
        const onDrain = () => settle();
        const onClose = () => settle(failure ?? new Error("socket closed while writing"));
        socket.once("drain", onDrain).once("error", settle).once("close", onClose);
      });
    }
  }
  /** Reads one whole response (headers and a Content-Length body). */
  function read(): Promise<RawResponse> {
    return new Promise((resolve, reject) => {
      const tryParse = () => {
        const end = buffered.indexOf("\r\n\r\n");
        if (end < 0) return false;
        const headers = buffered.subarray(0, end).toString("latin1");
        const length = Number(/\r\ncontent-length: *(\d+)/i.exec(headers)?.[1] ?? 0);
        if (buffered.length < end + 4 + length) return false;
        buffered = buffered.subarray(end + 4 + length);
        socket.off("data", onData);
        socket.off("error", reject);
        socket.off("end", onEnd);
        socket.pause();
        resolve({ status: Number(headers.slice(9, 12)), headers });
        return true;
      };
      const onData = (chunk: Buffer) => {
        buffered = Buffer.concat([buffered, chunk]);
        tryParse();
      };
      const onEnd = () => reject(new Error("connection closed before a whole response"));
      if (failure) return reject(failure);
      if (tryParse()) return;
      socket.on("data", onData);
      socket.once("error", reject);
      socket.once("end", onEnd);
      socket.resume();
    });
  }
  return { socket, connected, write, read, close: () => socket.destroy() };
}

const CHUNK = 64 * 1024;
const head = (query: string, framing: string) =>
  `POST /wecom/callback?${query} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/xml\r\n${framing}\r\n`;

/** Writes a body in 64 KiB pieces, chunk-encoded or not. */
async function writeBody(client: ReturnType<typeof rawClient>, body: Buffer, chunked: boolean) {
  for (let offset = 0; offset < body.length; offset += CHUNK) {
    const part = body.subarray(offset, offset + CHUNK);
    await client.write(
      chunked
        ? Buffer.concat([Buffer.from(`${part.length.toString(16)}\r\n`), part, Buffer.from("\r\n")])
        : part,
    );
  }
  if (chunked) await client.write("0\r\n\r\n");
}

describe("a body over 1 MiB", () => {
  const body = Buffer.from(`<xml><Encrypt>${"A".repeat(3 * 1000 * 1000)}</Encrypt></xml>`);

  test("of 3 MB gets its 413 every time, also by a client that reads only after sending it all, and the connection stays usable", async () => {
    const before = await db.prisma.inboundMessage.count();
    const outcomes: Record<string, number> = {};
    const count = (what: string) => {
      outcomes[what] = (outcomes[what] ?? 0) + 1;
    };
    for (let round = 0; round < 30; round++) {
      for (const chunked of [false, true]) {
        const client = rawClient(sample);
        try {
          await client.connected;
          await client.write(
            head(v2Query, chunked ? "Transfer-Encoding: chunked\r\n" : `Content-Length: ${body.length}\r\n`),
          );
          await writeBody(client, body, chunked);
          const res = await client.read();
          // Read to its end: the same connection takes the next request.
          await client.write("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
          const health = await client.read();
          count(`${chunked ? "chunked" : "length"} ${res.status}, then ${health.status}`);
        } catch (err) {
          count(`${chunked ? "chunked" : "length"} ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
        } finally {
          client.close();
        }
      }
      const res = await post(sample, v2Query, body.toString()).catch((err: Error) => err);
      count(
        res instanceof Error
          ? `fetch ${String((res.cause as { code?: string })?.code ?? res.message)}`
          : `fetch ${res.status}`,
      );
      if (!(res instanceof Error)) await res.arrayBuffer();
    }
    expect(outcomes).toEqual({ "length 413, then 200": 30, "chunked 413, then 200": 30, "fetch 413": 30 });
    expect(await db.prisma.inboundMessage.count()).toBe(before);
  }, 120_000);

  test("declared longer than what is discarded is answered 413 at once, with Connection: close", async () => {
    const client = rawClient(sample);
    await client.connected;
    await client.write(
      head(v2Query, `Content-Length: ${MAX_CALLBACK_BODY_BYTES + MAX_DISCARDED_BYTES + 1}\r\n`),
    );
    const res = await client.read();
    expect(res.status).toBe(413);
    expect(res.headers).toMatch(/\r\nconnection: close/i);
    await new Promise((resolve) => client.socket.once("close", resolve).resume());
  });

  test("sent without end is read (and thrown away) up to the bound, then the connection is closed", async () => {
    const client = rawClient(sample);
    await client.connected;
    client.socket.resume(); // whatever the server answers is not what this test looks at
    const closed = new Promise((resolve) => client.socket.once("close", resolve));
    let open = true;
    void closed.then(() => {
      open = false;
    });
    await client.write(head(v2Query, "Transfer-Encoding: chunked\r\n")).catch(() => {});
    const piece = Buffer.concat([
      Buffer.from(`${CHUNK.toString(16)}\r\n`),
      Buffer.alloc(CHUNK, 0x41),
      Buffer.from("\r\n"),
    ]);
    let written = 0;
    // Without a bound this would never end: stop at 64 MiB and fail.
    while (open && written < 64 * 1024 * 1024) {
      const ok = await client.write(piece).then(
        () => true,
        () => false,
      );
      if (!ok) break;
      written += piece.length;
    }
    // What was sent beyond the bound sat in socket buffers when the server closed.
    expect(written).toBeLessThan(MAX_CALLBACK_BODY_BYTES + MAX_DISCARDED_BYTES + 16 * 1024 * 1024);
    expect(written).toBeGreaterThan(MAX_CALLBACK_BODY_BYTES + MAX_DISCARDED_BYTES);
    await closed;
    expect((await fetch(`${sample}/healthz`)).status).toBe(200);
  });
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
