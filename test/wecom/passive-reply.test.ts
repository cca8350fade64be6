import { decryptMessage, verifySignature } from "../../src/wecom/crypto";
import {
  renderEncryptedReply,
  renderTextReply,
  renderUpdateButtonReply,
} from "../../src/wecom/passive-reply";
import { parseXmlRoot } from "../../src/wecom/xml";
import { SAMPLE, V7 } from "./fixtures/vectors";

const config = { token: SAMPLE.token, encodingAesKey: SAMPLE.encodingAesKey, receiveId: SAMPLE.corpId };
const address = { toUserId: "mycreate", corpId: SAMPLE.corpId, createTime: 1409659813 };

describe("passive replies", () => {
  it("renders the V7 text reply plaintext exactly", () => {
    expect(renderTextReply(address, "hello")).toBe(V7.message);
  });

  it("reproduces V7 byte for byte: Encrypt, MsgSignature, TimeStamp, Nonce", () => {
    const xml = renderEncryptedReply({
      config,
      plaintext: V7.message,
      timestamp: V7.timestamp,
      nonce: V7.nonce,
      random: Buffer.from(V7.random, "latin1"),
    });
    expect(parseXmlRoot(xml)).toEqual({
      Encrypt: V7.encrypt,
      MsgSignature: V7.msgSignature,
      TimeStamp: V7.timestamp,
      Nonce: V7.nonce,
    });
  });

  it("renders an update_button reply that decrypts and parses back", () => {
    const plaintext = renderUpdateButtonReply(address, "已登记");
    const xml = renderEncryptedReply({ config, plaintext, timestamp: "1700000000", nonce: "42" });
    const outer = parseXmlRoot(xml);
    const encrypted = String(outer.Encrypt);
    expect(verifySignature(SAMPLE.token, "1700000000", "42", encrypted, String(outer.MsgSignature))).toBe(
      true,
    );
    const inner = parseXmlRoot(decryptMessage(SAMPLE.encodingAesKey, encrypted, SAMPLE.corpId).message);
    expect(inner).toEqual({
      ToUserName: "mycreate",
      FromUserName: SAMPLE.corpId,
      CreateTime: "1409659813",
      MsgType: "update_button",
      Button: { ReplaceName: "已登记" },
    });
  });
});
