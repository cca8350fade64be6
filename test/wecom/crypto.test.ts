import {
  assertValidSignature,
  computeSignature,
  decodeAesKey,
  decryptMessage,
  encryptMessage,
  verifySignature,
} from "../../src/wecom/crypto";
import { WecomCryptoError } from "../../src/wecom/errors";
import { decryptRaw, encryptRaw, layout, pad32 } from "./fixtures/raw-cipher";
import { SAMPLE, V1, V2, V3, V4, V7, V8 } from "./fixtures/vectors";

const ascii = (s: string) => Buffer.from(s, "latin1");

function cryptoCode(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof WecomCryptoError) return error.code;
    throw error;
  }
  throw new Error("expected a WecomCryptoError");
}

describe("decodeAesKey", () => {
  it("decodes the sample EncodingAESKey to the documented AES key", () => {
    expect(decodeAesKey(SAMPLE.encodingAesKey).toString("hex")).toBe(SAMPLE.aesKeyHex);
  });

  it.each([
    ["too short", SAMPLE.encodingAesKey.slice(0, 42)],
    ["too long", `${SAMPLE.encodingAesKey}A`],
    ["non-alphanumeric character", `${SAMPLE.encodingAesKey.slice(0, 42)}+`],
    ["empty", ""],
  ])("rejects a key that is %s", (_label, key) => {
    expect(cryptoCode(() => decodeAesKey(key))).toBe("bad_key");
  });
});

describe("signatures", () => {
  it.each([
    ["V1 (URL verification)", SAMPLE.token, V1.timestamp, V1.nonce, V1.echostr, V1.msgSignature],
    ["V2 (XML POST)", SAMPLE.token, V2.timestamp, V2.nonce, V2.encrypt, V2.msgSignature],
    ["V3 (JSON sample)", SAMPLE.token, V3.timestamp, V3.nonce, V3.encrypt, V3.msgSignature],
    ["V7 (passive reply)", SAMPLE.token, V7.timestamp, V7.nonce, V7.encrypt, V7.msgSignature],
    ["V8 (AI bot)", SAMPLE.token, V8.timestamp, V8.nonce, V8.encrypt, V8.msgSignature],
  ])("computes and verifies %s", (_label, token, timestamp, nonce, encrypted, signature) => {
    expect(computeSignature(token, timestamp, nonce, encrypted)).toBe(signature);
    expect(verifySignature(token, timestamp, nonce, encrypted, signature)).toBe(true);
  });

  it("sorts the four strings before hashing (doc worked example)", () => {
    // sorted = 1372623149, 1409659813, QDG6eK, RypEvHKD8… — swapping timestamp and nonce is the same input.
    expect(computeSignature(SAMPLE.token, V2.nonce, V2.timestamp, V2.encrypt)).toBe(V2.msgSignature);
  });

  it.each([
    ["a flipped hex digit", `${V2.msgSignature.slice(0, -1)}7`],
    ["upper case", V2.msgSignature.toUpperCase()],
    ["a truncated signature", V2.msgSignature.slice(0, 39)],
    ["an extended signature", `${V2.msgSignature}0`],
    ["empty", ""],
  ])("rejects %s", (_label, forged) => {
    expect(verifySignature(SAMPLE.token, V2.timestamp, V2.nonce, V2.encrypt, forged)).toBe(false);
    expect(
      cryptoCode(() => assertValidSignature(SAMPLE.token, V2.timestamp, V2.nonce, V2.encrypt, forged)),
    ).toBe("signature_mismatch");
  });

  it("rejects a valid signature replayed over a different ciphertext, timestamp, nonce or token", () => {
    const forgedCipher = encryptMessage(SAMPLE.encodingAesKey, "<xml/>", SAMPLE.corpId);
    expect(verifySignature(SAMPLE.token, V2.timestamp, V2.nonce, forgedCipher, V2.msgSignature)).toBe(false);
    expect(verifySignature(SAMPLE.token, "1409659814", V2.nonce, V2.encrypt, V2.msgSignature)).toBe(false);
    expect(verifySignature(SAMPLE.token, V2.timestamp, "1372623150", V2.encrypt, V2.msgSignature)).toBe(
      false,
    );
    expect(verifySignature("other", V2.timestamp, V2.nonce, V2.encrypt, V2.msgSignature)).toBe(false);
  });
});

describe("decryptMessage: official vectors", () => {
  it("V1: decrypts the echostr (pad 7) to 1616140317555161061", () => {
    const result = decryptMessage(SAMPLE.encodingAesKey, V1.echostr, SAMPLE.corpId);
    expect(result.message).toBe(V1.message);
    expect(result.receiveId).toBe(SAMPLE.corpId);
    expect(result.random.toString("latin1")).toBe(V1.random);
    const raw = decryptRaw(SAMPLE.encodingAesKey, V1.echostr);
    expect(raw[raw.length - 1]).toBe(V1.padLength);
  });

  it("V2: decrypts the POST (pad 30, where Node's auto-padding fails) to the exact 284-byte XML", () => {
    const result = decryptMessage(SAMPLE.encodingAesKey, V2.encrypt, SAMPLE.corpId);
    expect(result.message).toBe(V2.message);
    expect(Buffer.byteLength(result.message)).toBe(284);
    expect(result.receiveId).toBe(SAMPLE.corpId);
    expect(result.random.toString("latin1")).toBe(V2.random);
    const raw = decryptRaw(SAMPLE.encodingAesKey, V2.encrypt);
    expect(raw[raw.length - 1]).toBe(V2.padLength);
  });

  it("V3: decrypts the JSON sample (kept as text: it is malformed JSON)", () => {
    expect(decryptMessage(SAMPLE.encodingAesKey, V3.encrypt, SAMPLE.corpId).message).toBe(V3.message);
  });

  it("V4: decrypts Chinese text with another key and receive id", () => {
    const result = decryptMessage(V4.encodingAesKey, V4.encrypt, V4.receiveId);
    expect(result.message).toBe(V4.message);
    expect(result.random.toString("latin1")).toBe(V4.random);
  });

  it("V7: decrypts the passive reply", () => {
    expect(decryptMessage(SAMPLE.encodingAesKey, V7.encrypt, SAMPLE.corpId).message).toBe(V7.message);
  });

  it('V8: decrypts the AI-bot JSON with receive id ""', () => {
    const result = decryptMessage(SAMPLE.encodingAesKey, V8.encrypt, "");
    expect(result.message).toBe(V8.message);
    expect(result.receiveId).toBe("");
  });
});

describe("encryptMessage: byte-exact re-encryption", () => {
  it.each([
    ["V1", SAMPLE.encodingAesKey, V1.message, SAMPLE.corpId, V1.random, V1.echostr],
    ["V2", SAMPLE.encodingAesKey, V2.message, SAMPLE.corpId, V2.random, V2.encrypt],
    ["V4", V4.encodingAesKey, V4.message, V4.receiveId, V4.random, V4.encrypt],
    ["V7", SAMPLE.encodingAesKey, V7.message, SAMPLE.corpId, V7.random, V7.encrypt],
    ["V8", SAMPLE.encodingAesKey, V8.message, "", V8.random, V8.encrypt],
  ])("%s", (_label, key, message, receiveId, random, expected) => {
    expect(encryptMessage(key, message, receiveId, ascii(random))).toBe(expected);
  });

  it("V9: a plaintext that fills whole blocks gets a full block of 32 × 0x20", () => {
    const message = "x".repeat(58); // 16 + 4 + 58 + 18 = 96 bytes
    const encrypted = encryptMessage(
      SAMPLE.encodingAesKey,
      message,
      SAMPLE.corpId,
      ascii("aaaabbbbccccdddd"),
    );
    expect(Buffer.from(encrypted, "base64")).toHaveLength(128);
    const raw = decryptRaw(SAMPLE.encodingAesKey, encrypted);
    expect(raw.subarray(96)).toEqual(Buffer.alloc(32, 0x20));
    expect(decryptMessage(SAMPLE.encodingAesKey, encrypted, SAMPLE.corpId).message).toBe(message);
  });

  it("round-trips every plaintext length around the 32-byte boundary", () => {
    for (let n = 0; n <= 70; n++) {
      const message = "中".repeat(n % 7) + "a".repeat(n);
      const encrypted = encryptMessage(SAMPLE.encodingAesKey, message, SAMPLE.corpId);
      expect(Buffer.from(encrypted, "base64").length % 32).toBe(0);
      expect(decryptMessage(SAMPLE.encodingAesKey, encrypted, SAMPLE.corpId).message).toBe(message);
    }
  });

  it("uses fresh randomness by default", () => {
    const a = encryptMessage(SAMPLE.encodingAesKey, "hello", SAMPLE.corpId);
    const b = encryptMessage(SAMPLE.encodingAesKey, "hello", SAMPLE.corpId);
    expect(a).not.toBe(b);
  });

  it("rejects a random that is not 16 bytes and a bad key", () => {
    expect(
      cryptoCode(() => encryptMessage(SAMPLE.encodingAesKey, "x", SAMPLE.corpId, Buffer.alloc(15))),
    ).toBe("malformed");
    expect(cryptoCode(() => encryptMessage("short", "x", SAMPLE.corpId))).toBe("bad_key");
  });
});

describe("decryptMessage: rejections", () => {
  it("rejects the right ciphertext for the wrong receive id", () => {
    expect(cryptoCode(() => decryptMessage(SAMPLE.encodingAesKey, V2.encrypt, "wx0000000000000000"))).toBe(
      "receive_id_mismatch",
    );
    // An AI-bot ciphertext (receive id "") is not accepted by a self-built-app endpoint, nor vice versa.
    expect(cryptoCode(() => decryptMessage(SAMPLE.encodingAesKey, V8.encrypt, SAMPLE.corpId))).toBe(
      "receive_id_mismatch",
    );
    expect(cryptoCode(() => decryptMessage(SAMPLE.encodingAesKey, V2.encrypt, ""))).toBe(
      "receive_id_mismatch",
    );
  });

  it("rejects a ciphertext made with another key (garbage padding)", () => {
    const encrypted = encryptMessage(V4.encodingAesKey, V2.message, SAMPLE.corpId, ascii(V2.random));
    expect(["bad_padding", "malformed"]).toContain(
      cryptoCode(() => decryptMessage(SAMPLE.encodingAesKey, encrypted, SAMPLE.corpId)),
    );
  });

  const body = layout("aaaabbbbccccdddd", "hello", SAMPLE.corpId); // 43 bytes
  const padTo64 = (padByte: number, fill = padByte) =>
    Buffer.concat([body, Buffer.alloc(64 - body.length - 1, fill), Buffer.from([padByte])]);

  it.each([
    ["pad value 0", padTo64(0)],
    ["pad bytes that differ", padTo64(21, 20)],
    ["16-byte PKCS#7 (Node's default) instead of 32", Buffer.concat([body, Buffer.alloc(5, 5)])],
  ])("rejects %s", (_label, plaintext) => {
    const padded =
      plaintext.length % 16 === 0
        ? plaintext
        : Buffer.concat([plaintext, Buffer.alloc(16 - (plaintext.length % 16))]);
    const encrypted = encryptRaw(SAMPLE.encodingAesKey, padded);
    const code = cryptoCode(() => decryptMessage(SAMPLE.encodingAesKey, encrypted, SAMPLE.corpId));
    expect(["bad_padding", "malformed"]).toContain(code);
  });

  it("rejects pad value 0 and inconsistent pad bytes as bad_padding specifically", () => {
    expect(
      cryptoCode(() =>
        decryptMessage(SAMPLE.encodingAesKey, encryptRaw(SAMPLE.encodingAesKey, padTo64(0)), SAMPLE.corpId),
      ),
    ).toBe("bad_padding");
    expect(
      cryptoCode(() =>
        decryptMessage(
          SAMPLE.encodingAesKey,
          encryptRaw(SAMPLE.encodingAesKey, padTo64(21, 20)),
          SAMPLE.corpId,
        ),
      ),
    ).toBe("bad_padding");
    const pad33 = Buffer.concat([body, Buffer.alloc(96 - body.length - 1, 0), Buffer.from([33])]);
    expect(
      cryptoCode(() =>
        decryptMessage(SAMPLE.encodingAesKey, encryptRaw(SAMPLE.encodingAesKey, pad33), SAMPLE.corpId),
      ),
    ).toBe("bad_padding");
  });

  it("accepts a hand-built correctly padded plaintext (the raw helpers agree with the code)", () => {
    const encrypted = encryptRaw(SAMPLE.encodingAesKey, pad32(body));
    expect(decryptMessage(SAMPLE.encodingAesKey, encrypted, SAMPLE.corpId).message).toBe("hello");
  });

  it("rejects a length field that points past the plaintext", () => {
    const lying = Buffer.from(body);
    lying.writeUInt32BE(1000, 16);
    const encrypted = encryptRaw(SAMPLE.encodingAesKey, pad32(lying));
    expect(cryptoCode(() => decryptMessage(SAMPLE.encodingAesKey, encrypted, SAMPLE.corpId))).toBe(
      "malformed",
    );
  });

  it("rejects a plaintext shorter than the 20-byte header", () => {
    const encrypted = encryptRaw(SAMPLE.encodingAesKey, pad32(Buffer.from("short")));
    expect(cryptoCode(() => decryptMessage(SAMPLE.encodingAesKey, encrypted, SAMPLE.corpId))).toBe(
      "malformed",
    );
  });

  it("rejects invalid UTF-8 in the message", () => {
    const bad = Buffer.concat([
      ascii("aaaabbbbccccdddd"),
      Buffer.from([0, 0, 0, 2, 0xc3, 0x28]),
      ascii(SAMPLE.corpId),
    ]);
    const encrypted = encryptRaw(SAMPLE.encodingAesKey, pad32(bad));
    expect(cryptoCode(() => decryptMessage(SAMPLE.encodingAesKey, encrypted, SAMPLE.corpId))).toBe(
      "malformed",
    );
  });

  it.each([
    ["empty", ""],
    ["not base64", "@@@@"],
    ["URL-decoded twice (+ became a space)", V1.echostr.replaceAll("+", " ")],
    ["missing base64 padding", V1.echostr.replace(/=+$/, "")],
    ["16 bytes, not a multiple of 32", Buffer.alloc(16).toString("base64")],
    ["a truncated ciphertext", Buffer.from(V2.encrypt, "base64").subarray(0, 48).toString("base64")],
  ])("rejects a ciphertext that is %s", (_label, encrypted) => {
    expect(cryptoCode(() => decryptMessage(SAMPLE.encodingAesKey, encrypted, SAMPLE.corpId))).toBe(
      "malformed",
    );
  });
});
