import type { IdCipher } from "./id-cipher";
import type { SettingRepository } from "./setting-repository";

export class KeyMismatchError extends Error {
  readonly code = "secret_key_mismatch";
  constructor() {
    super(
      "加密密钥与数据库中已有数据不匹配：身份证号将无法解密或查询。请使用最初的 BAOBAO_SECRET_KEY（或 DATA_DIR/secret.key）。多实例部署时每个实例须设置同一个 BAOBAO_SECRET_KEY。",
    );
    this.name = "KeyMismatchError";
  }
}

/** Records the key's fingerprint on first start; refuses a different key afterwards. */
export async function checkKeyFingerprint(settings: SettingRepository, cipher: IdCipher): Promise<void> {
  const stored = await settings.setIfAbsent("crypto.keyFingerprint", cipher.fingerprint);
  if (stored !== cipher.fingerprint) throw new KeyMismatchError();
}
