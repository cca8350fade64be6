import { ConfigError, loadConfig } from "../src/config";

const WECOM = {
  WECOM_CORP_ID: "wx5823bf96d3bd56c7",
  WECOM_AGENT_ID: "1000002",
  WECOM_SECRET: "secret",
  WECOM_TOKEN: "QDG6eK",
  WECOM_ENCODING_AES_KEY: "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C",
};

test("defaults give sandbox mode on the embedded database", () => {
  const c = loadConfig({});
  expect(c).toMatchObject({
    port: 3000,
    mode: "sandbox",
    databaseUrl: undefined,
    tz: "Asia/Shanghai",
    wecom: undefined,
  });
  expect(c.wecomApiBase).toBe("https://qyapi.weixin.qq.com");
  expect(Object.isFrozen(c)).toBe(true);
});

test("all five WeCom variables give real mode", () => {
  const c = loadConfig({
    ...WECOM,
    DATABASE_URL: "postgresql://u@h/db",
    WECOM_API_BASE: "http://127.0.0.1:9/",
  });
  expect(c.mode).toBe("wecom");
  expect(c.wecom?.agentId).toBe(1000002);
  expect(c.databaseUrl).toBe("postgresql://u@h/db");
  expect(c.wecomApiBase).toBe("http://127.0.0.1:9");
});

test("some WeCom variables refuse to start, naming what is missing", () => {
  const { WECOM_SECRET: _s, WECOM_TOKEN: _t, ...partial } = WECOM;
  expect(() => loadConfig(partial)).toThrow(ConfigError);
  try {
    loadConfig(partial);
  } catch (err) {
    expect((err as Error).message).toContain("缺少 WECOM_SECRET、WECOM_TOKEN");
  }
});

test.each([
  [{ PORT: "abc" }, "PORT"],
  [{ DATABASE_URL: "mysql://x" }, "postgresql://"],
  [{ BAOBAO_TZ: "Mars/Base" }, "时区"],
  [{ ...WECOM, WECOM_AGENT_ID: "x" }, "WECOM_AGENT_ID"],
  [{ ...WECOM, WECOM_ENCODING_AES_KEY: "short" }, "EncodingAESKey"],
  [{ WECOM_BOT_ID: "bot" }, "WECOM_BOT_SECRET"],
  [{ BAOBAO_SECRET_KEY: "abcd" }, "32 字节"],
])("bad configuration %p is refused in Chinese", (env, fragment) => {
  expect(() => loadConfig(env)).toThrow(fragment);
});

test("a 64-hex secret key is accepted", () => {
  expect(loadConfig({ BAOBAO_SECRET_KEY: "a".repeat(64) }).secretKey?.length).toBe(32);
});
