import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";

/**
 * The master key for ID-number encryption: BAOBAO_SECRET_KEY when set (required for several
 * instances, which must share it), else `DATA_DIR/secret.key`, created owner-only on first use.
 */
export function loadSecretKey(opts: { fromEnv: Buffer | undefined; dataDir: string }): {
  key: Buffer;
  source: "env" | "file";
  file?: string;
} {
  if (opts.fromEnv) return { key: opts.fromEnv, source: "env" };
  const file = path.join(opts.dataDir, "secret.key");
  fs.mkdirSync(opts.dataDir, { recursive: true, mode: 0o700 });
  if (!fs.existsSync(file)) {
    try {
      fs.writeFileSync(file, crypto.randomBytes(32).toString("hex"), { mode: 0o600, flag: "wx" });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
  }
  const key = Buffer.from(fs.readFileSync(file, "utf8").trim(), "hex");
  if (key.length !== 32) throw new Error(`密钥文件 ${file} 已损坏（应为 64 位十六进制）`);
  return { key, source: "file", file };
}
