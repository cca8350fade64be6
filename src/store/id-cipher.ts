import crypto from "node:crypto";

/** A malformed ID number (居民身份证号码); the message is for the person who typed it. */
export class IdNumberError extends Error {
  readonly code = "id_number_invalid";
  constructor(message: string) {
    super(message);
    this.name = "IdNumberError";
  }
}

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK = "10X98765432";

/** The 18-digit number for these first 17 digits: the GB 11643 check digit appended. */
export function withCheckDigit(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * (WEIGHTS[i] ?? 0);
  return first17 + CHECK[sum % 11];
}

/** Trims, removes inner spaces, upper-cases the X; validates the 18-digit form and checksum. */
export function normaliseIdNumber(raw: string): string {
  const id = raw.replace(/\s+/g, "").toUpperCase();
  if (!/^\d{17}[\dX]$/.test(id)) {
    throw new IdNumberError("身份证号应为18位（最后一位可为X）");
  }
  if (withCheckDigit(id.slice(0, 17)) !== id) {
    throw new IdNumberError("身份证号校验位不正确，请核对");
  }
  return id;
}

/** `420602199001011234` → `4206**********1234`. */
export function maskIdNumber(id: string): string {
  if (id.length <= 8) return "*".repeat(id.length);
  return `${id.slice(0, 4)}${"*".repeat(id.length - 8)}${id.slice(-4)}`;
}

export interface IdCipher {
  /** AES-256-GCM; "v1.<iv>.<tag>.<ciphertext>" in base64url. */
  encrypt(id: string): string;
  decrypt(box: string): string;
  /** Keyed hash (HMAC-SHA256, hex) for exact lookup without decrypting. */
  hash(id: string): string;
  /** A short fingerprint of the key, stored in the database to detect a wrong key. */
  readonly fingerprint: string;
}

/** Derives separate encryption and hashing keys from one 32-byte master key (HKDF-SHA256). */
export function createIdCipher(masterKey: Buffer): IdCipher {
  if (masterKey.length !== 32) throw new Error("master key must be 32 bytes");
  const derive = (info: string) =>
    Buffer.from(crypto.hkdfSync("sha256", masterKey, Buffer.alloc(0), info, 32));
  const encKey = derive("baobao id-number encryption v1");
  const macKey = derive("baobao id-number lookup v1");
  const fingerprint = crypto
    .createHmac("sha256", derive("baobao key fingerprint v1"))
    .update("fingerprint")
    .digest("hex")
    .slice(0, 16);
  return {
    fingerprint,
    encrypt(id) {
      const iv = crypto.randomBytes(12);
      const cipher = crypto.createCipheriv("aes-256-gcm", encKey, iv);
      const ct = Buffer.concat([cipher.update(id, "utf8"), cipher.final()]);
      const tag = cipher.getAuthTag();
      return ["v1", iv, tag, ct].map((p) => (typeof p === "string" ? p : p.toString("base64url"))).join(".");
    },
    decrypt(box) {
      const [version, iv, tag, ct] = box.split(".");
      if (version !== "v1" || !iv || !tag || ct === undefined) throw new Error("unknown ciphertext format");
      const decipher = crypto.createDecipheriv("aes-256-gcm", encKey, Buffer.from(iv, "base64url"));
      decipher.setAuthTag(Buffer.from(tag, "base64url"));
      return Buffer.concat([decipher.update(Buffer.from(ct, "base64url")), decipher.final()]).toString(
        "utf8",
      );
    },
    hash(id) {
      return crypto.createHmac("sha256", macKey).update(id, "utf8").digest("hex");
    },
  };
}
