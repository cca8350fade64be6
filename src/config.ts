import path from "node:path";
import { z } from "zod";

/** A configuration problem; its message is shown to the operator as is (Chinese). */
export class ConfigError extends Error {
  readonly code = "config_invalid";
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

const WECOM_APP_VARS = [
  "WECOM_CORP_ID",
  "WECOM_AGENT_ID",
  "WECOM_SECRET",
  "WECOM_TOKEN",
  "WECOM_ENCODING_AES_KEY",
] as const;

export interface WecomAppConfig {
  readonly corpId: string;
  readonly agentId: number;
  readonly secret: string;
  readonly token: string;
  readonly encodingAesKey: string;
}

export interface Config {
  readonly port: number;
  readonly databaseUrl: string | undefined;
  readonly dataDir: string;
  readonly tz: string;
  readonly mode: "sandbox" | "wecom";
  readonly wecom: WecomAppConfig | undefined;
  readonly wecomApiBase: string;
  readonly wecomBot: { readonly id: string; readonly secret: string } | undefined;
  readonly adminToken: string | undefined;
  /** 32-byte master key for ID-number encryption; undefined → a key file in dataDir. */
  readonly secretKey: Buffer | undefined;
  readonly logLevel: string;
  /** How long each step of the incident ladder waits for `收到` before it climbs (issue 6). */
  readonly ackDeadlines: { readonly emergencyMs: number; readonly urgentMs: number };
}

/** Whole minutes, 1 to 1440, with a Chinese message naming the variable. */
const minutes = (name: string, fallback: number) => {
  const message = `${name} 必须是分钟数（1 到 1440 的整数）`;
  return z.preprocess(
    (v) => (typeof v === "string" && v.trim() === "" ? undefined : v),
    z.coerce
      .number({ message })
      .int({ message })
      .min(1, { message })
      .max(1440, { message })
      .default(fallback),
  );
};

const schema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  DATABASE_URL: z
    .string()
    .trim()
    .optional()
    .transform((v) => (v ? v : undefined))
    .refine((v) => v === undefined || /^postgres(ql)?:\/\//.test(v), {
      message: "DATABASE_URL 必须以 postgresql:// 开头",
    }),
  DATA_DIR: z.string().trim().default("./data"),
  BAOBAO_TZ: z.string().trim().default("Asia/Shanghai"),
  WECOM_API_BASE: z
    .string()
    .trim()
    .url({ message: "WECOM_API_BASE 不是合法的网址" })
    .default("https://qyapi.weixin.qq.com"),
  ADMIN_TOKEN: z.string().trim().optional(),
  BAOBAO_SECRET_KEY: z.string().trim().optional(),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  BAOBAO_ACK_EMERGENCY_MINUTES: minutes("BAOBAO_ACK_EMERGENCY_MINUTES", 5),
  BAOBAO_ACK_URGENT_MINUTES: minutes("BAOBAO_ACK_URGENT_MINUTES", 30),
});

function isValidTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

function parseSecretKey(raw: string): Buffer {
  const trimmed = raw.trim();
  const buf = /^[0-9a-fA-F]{64}$/.test(trimmed)
    ? Buffer.from(trimmed, "hex")
    : Buffer.from(trimmed, "base64");
  if (buf.length !== 32) {
    throw new ConfigError(
      "BAOBAO_SECRET_KEY 必须是 32 字节的密钥（64 位十六进制或 base64），可用 `openssl rand -hex 32` 生成。",
    );
  }
  return buf;
}

/** Parses and validates the environment once; the result is frozen. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `- ${i.path.join(".")}: ${i.message}`);
    throw new ConfigError(`配置有误：\n${lines.join("\n")}`);
  }
  const e = parsed.data;
  if (!isValidTimeZone(e.BAOBAO_TZ)) {
    throw new ConfigError(`BAOBAO_TZ 不是有效的时区：${e.BAOBAO_TZ}（例如 Asia/Shanghai）`);
  }

  const present = WECOM_APP_VARS.filter((k) => (env[k] ?? "").trim() !== "");
  const missing = WECOM_APP_VARS.filter((k) => (env[k] ?? "").trim() === "");
  let wecom: WecomAppConfig | undefined;
  if (present.length > 0 && missing.length > 0) {
    throw new ConfigError(
      `企业微信配置不完整：已设置 ${present.join("、")}，缺少 ${missing.join("、")}。五项须全部设置（正式模式），或全部不设置（沙箱模式）。`,
    );
  }
  if (present.length === WECOM_APP_VARS.length) {
    const agentId = Number((env.WECOM_AGENT_ID ?? "").trim());
    if (!Number.isInteger(agentId) || agentId <= 0) {
      throw new ConfigError("WECOM_AGENT_ID 必须是正整数（应用的 AgentId）。");
    }
    const aesKey = (env.WECOM_ENCODING_AES_KEY ?? "").trim();
    if (!/^[A-Za-z0-9]{43}$/.test(aesKey)) {
      throw new ConfigError(
        "WECOM_ENCODING_AES_KEY 必须是 43 位字母或数字（应用“接收消息”设置中的 EncodingAESKey）。",
      );
    }
    wecom = Object.freeze({
      corpId: (env.WECOM_CORP_ID ?? "").trim(),
      agentId,
      secret: (env.WECOM_SECRET ?? "").trim(),
      token: (env.WECOM_TOKEN ?? "").trim(),
      encodingAesKey: aesKey,
    });
  }

  const botId = (env.WECOM_BOT_ID ?? "").trim();
  const botSecret = (env.WECOM_BOT_SECRET ?? "").trim();
  if ((botId === "") !== (botSecret === "")) {
    throw new ConfigError("智能机器人配置不完整：WECOM_BOT_ID 与 WECOM_BOT_SECRET 须同时设置。");
  }

  return Object.freeze({
    port: e.PORT,
    databaseUrl: e.DATABASE_URL,
    dataDir: path.resolve(e.DATA_DIR),
    tz: e.BAOBAO_TZ,
    mode: wecom ? "wecom" : "sandbox",
    wecom,
    wecomApiBase: e.WECOM_API_BASE.replace(/\/+$/, ""),
    wecomBot: botId ? Object.freeze({ id: botId, secret: botSecret }) : undefined,
    adminToken: e.ADMIN_TOKEN ? e.ADMIN_TOKEN : undefined,
    secretKey: e.BAOBAO_SECRET_KEY ? parseSecretKey(e.BAOBAO_SECRET_KEY) : undefined,
    logLevel: e.LOG_LEVEL,
    ackDeadlines: Object.freeze({
      emergencyMs: e.BAOBAO_ACK_EMERGENCY_MINUTES * 60_000,
      urgentMs: e.BAOBAO_ACK_URGENT_MINUTES * 60_000,
    }),
  });
}
