/**
 * WeCom callback crypto (WXBizMsgCrypt), as pure functions.
 *
 * Signature and encryption come from the official `@wecom/crypto` package. Decryption is done here
 * because the package's decrypt accepts bad padding silently and checks neither the receive id nor
 * the plaintext layout (wecom.md §2); we need all three checks to turn garbage into typed errors.
 *
 * Layout (wecom.md §1.3): AES-256-CBC, key = base64(EncodingAESKey + "="), IV = key[0..16),
 * PKCS#7 padding to 32-byte blocks, plaintext = random(16) ‖ len(4, BE) ‖ msg ‖ receiveId.
 */
import { createDecipheriv, createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { encrypt as officialEncrypt, getSignature as officialGetSignature } from "@wecom/crypto";
import { WecomCryptoError } from "./errors";

/** WeCom pads to 32-byte blocks, not AES's 16 (wecom.md §1.3). */
const PAD_BLOCK = 32;
const RANDOM_BYTES = 16;
const HEADER_BYTES = RANDOM_BYTES + 4;
const ENCODING_AES_KEY = /^[A-Za-z0-9]{43}$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** Result of {@link decryptMessage}. */
export interface DecryptedMessage {
  /** The plaintext message: the echostr answer for URL verification, or the inner XML / JSON. */
  message: string;
  /** The receive id found after the message (already checked against the expected one). */
  receiveId: string;
  /** The 16 random bytes at the start of the plaintext (not validated by WeCom either). */
  random: Buffer;
}

/**
 * Decodes and validates an EncodingAESKey (43 chars of [A-Za-z0-9]) into the 32-byte AES key.
 * Node's base64 decoder ignores invalid characters, hence the explicit pattern check.
 */
export function decodeAesKey(encodingAesKey: string): Buffer {
  if (!ENCODING_AES_KEY.test(encodingAesKey)) {
    throw new WecomCryptoError("bad_key", "EncodingAESKey must be 43 characters of [A-Za-z0-9]");
  }
  const key = Buffer.from(`${encodingAesKey}=`, "base64");
  if (key.length !== 32) {
    throw new WecomCryptoError("bad_key", "EncodingAESKey does not decode to 32 bytes");
  }
  return key;
}

/** msg_signature = lower-case hex sha1 of the four strings sorted and concatenated (wecom.md §1.2). */
export function computeSignature(token: string, timestamp: string, nonce: string, encrypted: string): string {
  return officialGetSignature(token, timestamp, nonce, encrypted);
}

/** Checks msg_signature in constant time; false for any mismatch, including a different length. */
export function verifySignature(
  token: string,
  timestamp: string,
  nonce: string,
  encrypted: string,
  signature: string,
): boolean {
  // Compare fixed-length digests so timingSafeEqual never sees different lengths and the time
  // spent does not reveal how much of the signature was right.
  const expected = createHash("sha256")
    .update(computeSignature(token, timestamp, nonce, encrypted))
    .digest();
  const given = createHash("sha256").update(signature, "utf8").digest();
  return timingSafeEqual(expected, given);
}

/** Like {@link verifySignature} but throws WecomCryptoError("signature_mismatch"). */
export function assertValidSignature(
  token: string,
  timestamp: string,
  nonce: string,
  encrypted: string,
  signature: string,
): void {
  if (!verifySignature(token, timestamp, nonce, encrypted, signature)) {
    throw new WecomCryptoError("signature_mismatch", "msg_signature does not match");
  }
}

/**
 * Decrypts a base64 `Encrypt` / `echostr` value and checks padding, layout and receive id.
 *
 * @param expectedReceiveId CorpID for self-built apps, "" for an internal intelligent bot.
 * @throws WecomCryptoError bad_key | malformed | bad_padding | receive_id_mismatch
 */
export function decryptMessage(
  encodingAesKey: string,
  encrypted: string,
  expectedReceiveId: string,
): DecryptedMessage {
  const key = decodeAesKey(encodingAesKey);
  if (!BASE64.test(encrypted)) {
    throw new WecomCryptoError("malformed", "ciphertext is not standard base64");
  }
  const cipherBytes = Buffer.from(encrypted, "base64");
  if (cipherBytes.length === 0 || cipherBytes.length % PAD_BLOCK !== 0) {
    throw new WecomCryptoError(
      "malformed",
      `ciphertext length ${cipherBytes.length} is not a multiple of 32`,
    );
  }

  const decipher = createDecipheriv("aes-256-cbc", key, key.subarray(0, 16));
  // Node's PKCS#7 works on 16-byte blocks; WeCom pads to 32 (wecom.md §1.3).
  decipher.setAutoPadding(false);
  const padded = Buffer.concat([decipher.update(cipherBytes), decipher.final()]);

  const unpadded = removePadding(padded);
  if (unpadded.length < HEADER_BYTES) {
    throw new WecomCryptoError("malformed", "plaintext shorter than its 20-byte header");
  }
  const messageLength = unpadded.readUInt32BE(RANDOM_BYTES);
  if (messageLength > unpadded.length - HEADER_BYTES) {
    throw new WecomCryptoError("malformed", "message length field exceeds the plaintext");
  }
  const message = decodeUtf8(unpadded.subarray(HEADER_BYTES, HEADER_BYTES + messageLength));
  const receiveId = decodeUtf8(unpadded.subarray(HEADER_BYTES + messageLength));
  if (receiveId !== expectedReceiveId) {
    throw new WecomCryptoError("receive_id_mismatch", "receive id does not match the configured one");
  }
  return { message, receiveId, random: Buffer.from(unpadded.subarray(0, RANDOM_BYTES)) };
}

/**
 * Encrypts a plaintext for WeCom (passive replies, the emulator's callbacks).
 *
 * @param random 16 bytes; inject a fixed value for byte-exact tests, default crypto.randomBytes.
 * @returns standard base64 ciphertext
 */
export function encryptMessage(
  encodingAesKey: string,
  plaintext: string,
  receiveId: string,
  random: Buffer = randomBytes(RANDOM_BYTES),
): string {
  decodeAesKey(encodingAesKey);
  if (random.length !== RANDOM_BYTES) {
    throw new WecomCryptoError("malformed", "random must be exactly 16 bytes");
  }
  return officialEncrypt(encodingAesKey, plaintext, receiveId, random);
}

function removePadding(padded: Buffer): Buffer {
  const pad = padded[padded.length - 1] ?? 0;
  if (pad < 1 || pad > PAD_BLOCK) {
    throw new WecomCryptoError("bad_padding", `pad value ${pad} outside 1..32`);
  }
  let mismatch = 0;
  for (let i = padded.length - pad; i < padded.length; i++) {
    mismatch |= (padded[i] ?? 0) ^ pad;
  }
  if (mismatch !== 0) {
    throw new WecomCryptoError("bad_padding", "pad bytes are not all equal");
  }
  return padded.subarray(0, padded.length - pad);
}

function decodeUtf8(bytes: Uint8Array): string {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    throw new WecomCryptoError("malformed", "plaintext is not valid UTF-8");
  }
}
