import crypto from "node:crypto";

/** A made-up self-built app for sandbox mode: random secrets, fresh at every start. */
export function createSandboxCredentials() {
  const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  const pick = (n: number) => Array.from(crypto.randomBytes(n), (b) => alnum[b % alnum.length]).join("");
  return {
    corpId: "wwsandbox00000001",
    agentId: 1000002,
    secret: pick(43),
    token: pick(32),
    encodingAesKey: pick(43),
  };
}
