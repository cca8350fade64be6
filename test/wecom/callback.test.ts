import { parse as parseQuerystring } from "node:querystring";
import { Router } from "@koa/router";
import Koa from "koa";
import getRawBody from "raw-body";
import request from "supertest";
import { type CallbackConfig, MAX_CALLBACK_BODY_BYTES, parseCallback } from "../../src/wecom/callback";
import { encryptMessage } from "../../src/wecom/crypto";
import { WecomCallbackError, WecomCryptoError } from "../../src/wecom/errors";
import { createCallbackSender } from "../../src/wecom/emulator/callback-sender";
import { SAMPLE, V1, V2, V2_BODY } from "./fixtures/vectors";

const config: CallbackConfig = {
  token: SAMPLE.token,
  encodingAesKey: SAMPLE.encodingAesKey,
  receiveId: SAMPLE.corpId,
};
const now = new Date("2026-11-24T01:00:00Z");
const sender = createCallbackSender({
  corpId: SAMPLE.corpId,
  agentId: 218,
  token: SAMPLE.token,
  encodingAesKey: SAMPLE.encodingAesKey,
  now: () => now,
});
const v2Query = { msg_signature: V2.msgSignature, timestamp: V2.timestamp, nonce: V2.nonce };

function errorCode(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof WecomCallbackError || error instanceof WecomCryptoError) return error.code;
    throw error;
  }
  throw new Error("expected a WecomCallbackError or WecomCryptoError");
}

describe("parseCallback: URL verification (V1)", () => {
  it.each([
    ["URLSearchParams over the raw query", new URLSearchParams(V1.rawQuery)],
    ["Node querystring (what Koa's ctx.query uses)", parseQuerystring(V1.rawQuery)],
  ])("answers the echostr plaintext with %s", (_label, query) => {
    expect(parseCallback({ method: "GET", query, config })).toEqual({
      kind: "url_verification",
      echo: V1.message,
    });
  });

  it("infers verification from echostr when no method is given", () => {
    expect(parseCallback({ query: new URLSearchParams(V1.rawQuery), config })).toEqual({
      kind: "url_verification",
      echo: "1616140317555161061",
    });
  });

  it("rejects a forged signature, a decoded-twice echostr and a wrong corp id", () => {
    const query = {
      msg_signature: V1.msgSignature,
      timestamp: V1.timestamp,
      nonce: V1.nonce,
      echostr: V1.echostr,
    };
    expect(errorCode(() => parseCallback({ method: "GET", query: { ...query, nonce: "1" }, config }))).toBe(
      "signature_mismatch",
    );
    const decodedTwice = { ...query, echostr: V1.echostr.replaceAll("+", " ") };
    expect(errorCode(() => parseCallback({ method: "GET", query: decodedTwice, config }))).toBe(
      "signature_mismatch",
    );
    expect(
      errorCode(() =>
        parseCallback({ method: "GET", query, config: { ...config, receiveId: "wwotherCorp" } }),
      ),
    ).toBe("receive_id_mismatch");
  });

  it.each(["msg_signature", "timestamp", "nonce", "echostr"])("requires %s", (name) => {
    const query: Record<string, string> = {
      msg_signature: V1.msgSignature,
      timestamp: V1.timestamp,
      nonce: V1.nonce,
      echostr: V1.echostr,
    };
    delete query[name];
    expect(errorCode(() => parseCallback({ method: "GET", query, config }))).toBe("missing_parameter");
  });

  it("rejects a repeated parameter", () => {
    const query = new URLSearchParams(`${V1.rawQuery}&nonce=1`);
    expect(errorCode(() => parseCallback({ method: "GET", query, config }))).toBe("missing_parameter");
    const koaStyle = { ...parseQuerystring(V1.rawQuery), nonce: [V1.nonce, V1.nonce] };
    expect(errorCode(() => parseCallback({ method: "GET", query: koaStyle, config }))).toBe(
      "missing_parameter",
    );
  });
});

describe("parseCallback: encrypted POST (V2)", () => {
  it("verifies, decrypts and parses the official sample into a text event", () => {
    const result = parseCallback({ method: "POST", query: v2Query, rawBody: Buffer.from(V2_BODY), config });
    expect(result).toEqual({
      kind: "event",
      plaintext: V2.message,
      timestamp: V2.timestamp,
      nonce: V2.nonce,
      event: {
        type: "text",
        corpId: "wx5823bf96d3bd56c7",
        fromUserId: "mycreate",
        createTime: 1409659813,
        agentId: 218,
        msgId: "4561255354251345929", // > 2^53: must stay a string
        content: "hello",
        dedupeKey: "msg:4561255354251345929",
      },
    });
  });

  it("accepts the body as a string too and without an explicit method", () => {
    const result = parseCallback({ query: v2Query, rawBody: V2_BODY, config });
    expect(result.kind).toBe("event");
  });

  it("rejects a forged signature or a swapped Encrypt", () => {
    expect(
      errorCode(() =>
        parseCallback({
          method: "POST",
          query: { ...v2Query, timestamp: "1409659814" },
          rawBody: V2_BODY,
          config,
        }),
      ),
    ).toBe("signature_mismatch");
    const swapped = V2_BODY.replace(
      V2.encrypt,
      encryptMessage(SAMPLE.encodingAesKey, "<xml/>", SAMPLE.corpId),
    );
    expect(errorCode(() => parseCallback({ method: "POST", query: v2Query, rawBody: swapped, config }))).toBe(
      "signature_mismatch",
    );
  });

  it("does not trust ToUserName / AgentID outside the ciphertext", () => {
    const tampered = V2_BODY.replace("<![CDATA[218]]>", "<![CDATA[999]]>").replace(
      "<ToUserName><![CDATA[wx5823bf96d3bd56c7]]>",
      "<ToUserName><![CDATA[evil]]>",
    );
    const result = parseCallback({ method: "POST", query: v2Query, rawBody: tampered, config });
    expect(result.kind === "event" && result.event.agentId).toBe(218);
    expect(result.kind === "event" && result.event.corpId).toBe("wx5823bf96d3bd56c7");
  });

  it("rejects the right message for another corp (receive id)", () => {
    const other = { ...config, receiveId: "ww0000000000000000" };
    expect(
      errorCode(() => parseCallback({ method: "POST", query: v2Query, rawBody: V2_BODY, config: other })),
    ).toBe("receive_id_mismatch");
  });

  it.each([
    ["empty", ""],
    ["not XML", "hello"],
    ["unclosed", "<xml><Encrypt><![CDATA[abc]]></Encrypt>"],
    ["mismatched tags", "<xml><Encrypt>abc</Nonce></xml>"],
    ["a wrong root", `<root><Encrypt><![CDATA[${V2.encrypt}]]></Encrypt></root>`],
    ["two roots", `<xml></xml><xml><Encrypt><![CDATA[${V2.encrypt}]]></Encrypt></xml>`],
    ["no Encrypt", "<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName></xml>"],
    ["JSON (the AI-bot format)", `{"encrypt":"${V2.encrypt}"}`],
  ])("rejects an outer body that is %s", (_label, rawBody) => {
    expect(errorCode(() => parseCallback({ method: "POST", query: v2Query, rawBody, config }))).toBe(
      "malformed_xml",
    );
  });

  it("rejects an outer body with a DTD (entity expansion) before expanding anything", () => {
    const bomb =
      '<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">' +
      '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>' +
      `<xml><Encrypt>${V2.encrypt}&c;</Encrypt></xml>`;
    expect(errorCode(() => parseCallback({ method: "POST", query: v2Query, rawBody: bomb, config }))).toBe(
      "malformed_xml",
    );
  });

  it("rejects decrypted XML with a DTD (billion laughs inside the ciphertext)", () => {
    const lol = Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i};`.repeat(10)}">`).join(
      "",
    );
    const inner =
      `<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY lol0 "lol">${lol}]>` +
      "<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName><FromUserName><![CDATA[u]]></FromUserName>" +
      "<CreateTime>1</CreateTime><MsgType><![CDATA[text]]></MsgType><Content>&lol9;</Content><MsgId>1</MsgId></xml>";
    const req = sender.encrypt(inner);
    expect(
      errorCode(() => parseCallback({ method: "POST", query: req.query, rawBody: req.body, config })),
    ).toBe("malformed_xml");
  });

  it("leaves undeclared entity references unexpanded and decodes only the predefined ones", () => {
    const inner =
      "<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName><FromUserName>u1</FromUserName>" +
      "<CreateTime>1700000000</CreateTime><MsgType>text</MsgType>" +
      "<Content>&lol; a&amp;b &lt;x&gt; &#20013;&#x6587;</Content><MsgId>42</MsgId></xml>";
    const req = sender.encrypt(inner);
    const result = parseCallback({ method: "POST", query: req.query, rawBody: req.body, config });
    expect(result.kind === "event" && result.event.type === "text" && result.event.content).toBe(
      "&lol; a&b <x> 中文",
    );
  });

  it("keeps CDATA verbatim, including entity-like text and a split ]]>", () => {
    const req = sender.text({ fromUserId: "u1", content: "a &amp; b ]]> <c> 中文😀" });
    const result = parseCallback({ method: "POST", query: req.query, rawBody: req.body, config });
    expect(result.kind === "event" && result.event.type === "text" && result.event.content).toBe(
      "a &amp; b ]]> <c> 中文😀",
    );
  });

  it("replaces U+0000 and lone surrogates (raw or as references) with U+FFFD in the stored XML and every field, keeping the original", () => {
    const inner =
      "<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName><FromUserName><![CDATA[u\u00001]]></FromUserName>" +
      "<CreateTime>1700000000</CreateTime><MsgType>text</MsgType>" +
      "<Content><![CDATA[a\u0000b]]>&#0;&#x0;&#xD800;&#xd83d;&#xDE00;&#x1F600;</Content><MsgId>42</MsgId></xml>";
    const req = sender.encrypt(inner);
    const result = parseCallback({ method: "POST", query: req.query, rawBody: req.body, config });
    if (result.kind !== "event" || result.event.type !== "text") throw new Error("expected a text event");
    expect(result.event.fromUserId).toBe("u\ufffd1");
    // A pair of surrogate references is not a character either (XML allows no surrogate refs).
    expect(result.event.content).toBe("a\ufffdb\ufffd\ufffd\ufffd\ufffd\ufffd😀");
    expect(result.plaintext).toBe(inner.replaceAll("\u0000", "\ufffd"));
    expect(Buffer.from(result.originalBase64 ?? "", "base64").toString("utf8")).toBe(inner);

    const click = sender.event({ fromUserId: "u1", event: "click", eventKey: "k\u0000" });
    const clicked = parseCallback({ method: "POST", query: click.query, rawBody: click.body, config });
    expect(clicked.kind === "event" && clicked.event.type === "click" && clicked.event.eventKey).toBe(
      "k\ufffd",
    );
  });

  it("keeps no second copy of a message that had nothing to replace", () => {
    const req = sender.text({ fromUserId: "u1", content: "控制字符\u0001\u001f、RTL\u200f、😀、\ufffe" });
    const result = parseCallback({ method: "POST", query: req.query, rawBody: req.body, config });
    expect(result.kind === "event" && result.originalBase64).toBeUndefined();
    expect(result.kind === "event" && result.plaintext).toBe(req.plaintext);
  });

  it("rejects malformed decrypted XML", () => {
    const req = sender.encrypt("<xml><MsgType>text</MsgType>");
    expect(
      errorCode(() => parseCallback({ method: "POST", query: req.query, rawBody: req.body, config })),
    ).toBe("malformed_xml");
  });

  it("rejects a body over 1 MiB even if the caller forgot its own limit", () => {
    const big = Buffer.alloc(MAX_CALLBACK_BODY_BYTES + 1, 0x20);
    expect(errorCode(() => parseCallback({ method: "POST", query: v2Query, rawBody: big, config }))).toBe(
      "body_too_large",
    );
  });

  it("rejects a POST carrying echostr, a GET without echostr and other methods", () => {
    expect(
      errorCode(() =>
        parseCallback({
          method: "POST",
          query: { ...v2Query, echostr: V1.echostr },
          rawBody: V2_BODY,
          config,
        }),
      ),
    ).toBe("bad_request");
    expect(errorCode(() => parseCallback({ method: "GET", query: v2Query, config }))).toBe(
      "missing_parameter",
    );
    expect(errorCode(() => parseCallback({ method: "PUT", query: v2Query, rawBody: V2_BODY, config }))).toBe(
      "bad_request",
    );
  });
});

describe("parseCallback: clock skew (opt-in)", () => {
  it("ignores the timestamp by default", () => {
    const result = parseCallback({ query: v2Query, rawBody: V2_BODY, config, now });
    expect(result.kind).toBe("event");
  });

  it("rejects an old timestamp when maxClockSkewSeconds is set, accepts a fresh one", () => {
    const strict = { ...config, maxClockSkewSeconds: 300 };
    expect(errorCode(() => parseCallback({ query: v2Query, rawBody: V2_BODY, config: strict, now }))).toBe(
      "stale_timestamp",
    );
    const fresh = sender.text({ fromUserId: "u1", content: "1 正常" });
    const at = new Date(now.getTime() + 299_000);
    expect(parseCallback({ query: fresh.query, rawBody: fresh.body, config: strict, now: at }).kind).toBe(
      "event",
    );
    const late = new Date(now.getTime() + 301_000);
    expect(
      errorCode(() => parseCallback({ query: fresh.query, rawBody: fresh.body, config: strict, now: late })),
    ).toBe("stale_timestamp");
  });
});

describe("parseCallback behind Koa (query decoding and raw body as in production)", () => {
  function createApp() {
    const app = new Koa();
    const router = new Router();
    const handle = async (ctx: Koa.Context) => {
      try {
        const rawBody =
          ctx.method === "POST" ? await getRawBody(ctx.req, { limit: MAX_CALLBACK_BODY_BYTES }) : undefined;
        const result = parseCallback({ method: ctx.method, query: ctx.query, rawBody, config });
        ctx.status = 200;
        ctx.type = "text/plain";
        ctx.body = result.kind === "url_verification" ? result.echo : result.event.dedupeKey;
      } catch (error) {
        ctx.status = 400;
        ctx.body =
          error instanceof WecomCallbackError || error instanceof WecomCryptoError ? error.code : "error";
      }
    };
    router.get("/wecom/callback", handle);
    router.post("/wecom/callback", handle);
    app.use(router.routes());
    return app.callback();
  }

  it("answers the official verification URL with exactly the plaintext", async () => {
    const response = await request(createApp()).get(`/wecom/callback?${V1.rawQuery}`);
    expect(response.status).toBe(200);
    expect(response.text).toBe("1616140317555161061");
  });

  it("accepts the official POST", async () => {
    const response = await request(createApp())
      .post(`/wecom/callback?msg_signature=${V2.msgSignature}&timestamp=${V2.timestamp}&nonce=${V2.nonce}`)
      .set("content-type", "text/xml")
      .send(V2_BODY);
    expect(response.status).toBe(200);
    expect(response.text).toBe("msg:4561255354251345929");
  });

  it("accepts a request built by the callback sender (its queryString is correctly encoded)", async () => {
    const req = sender.text({ fromUserId: "zhangsan", content: "1 正常", msgId: "123" });
    const response = await request(createApp())
      .post(`/wecom/callback?${req.queryString}`)
      .set("content-type", "text/xml")
      .send(req.body);
    expect(response.text).toBe("msg:123");
    const verification = sender.urlVerification("echo-42");
    const get = await request(createApp()).get(`/wecom/callback?${verification.queryString}`);
    expect(get.text).toBe("echo-42");
  });
});
