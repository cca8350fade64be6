import { parseCallback } from "../../src/wecom/callback";
import { createCallbackSender } from "../../src/wecom/emulator/callback-sender";
import { WecomCallbackError } from "../../src/wecom/errors";
import { parseWecomEvent, type WecomEvent } from "../../src/wecom/events";
import { parseXmlRoot } from "../../src/wecom/xml";
import { SAMPLE } from "./fixtures/vectors";

const parse = (xml: string): WecomEvent => parseWecomEvent(parseXmlRoot(xml));

const head = (msgType: string, from = "fromUser", time = 1348831860) =>
  `<ToUserName><![CDATA[toUser]]></ToUserName><FromUserName><![CDATA[${from}]]></FromUserName>` +
  `<CreateTime>${time}</CreateTime><MsgType><![CDATA[${msgType}]]></MsgType>`;

const common = { corpId: "toUser", fromUserId: "fromUser", createTime: 1348831860, agentId: 1 };

describe("parseWecomEvent: messages (wecom.md §3.2 samples)", () => {
  it.each<[string, string, WecomEvent]>([
    [
      "text",
      `<xml>${head("text")}<Content><![CDATA[this is a test]]></Content><MsgId>1234567890123456</MsgId><AgentID>1</AgentID></xml>`,
      {
        type: "text",
        ...common,
        msgId: "1234567890123456",
        content: "this is a test",
        dedupeKey: "msg:1234567890123456",
      },
    ],
    [
      "image",
      `<xml>${head("image")}<PicUrl><![CDATA[this is a url]]></PicUrl><MediaId><![CDATA[media_id]]></MediaId><MsgId>1234567890123457</MsgId><AgentID>1</AgentID></xml>`,
      {
        type: "image",
        ...common,
        msgId: "1234567890123457",
        picUrl: "this is a url",
        mediaId: "media_id",
        dedupeKey: "msg:1234567890123457",
      },
    ],
    [
      "voice",
      `<xml>${head("voice")}<MediaId><![CDATA[media_id]]></MediaId><Format><![CDATA[amr]]></Format><MsgId>1234567890123458</MsgId><AgentID>1</AgentID></xml>`,
      {
        type: "voice",
        ...common,
        msgId: "1234567890123458",
        mediaId: "media_id",
        format: "amr",
        dedupeKey: "msg:1234567890123458",
      },
    ],
    [
      "video",
      `<xml>${head("video")}<MediaId><![CDATA[media_id]]></MediaId><ThumbMediaId><![CDATA[thumb_media_id]]></ThumbMediaId><MsgId>1234567890123459</MsgId><AgentID>1</AgentID></xml>`,
      {
        type: "video",
        ...common,
        msgId: "1234567890123459",
        mediaId: "media_id",
        thumbMediaId: "thumb_media_id",
        dedupeKey: "msg:1234567890123459",
      },
    ],
    [
      "location",
      `<xml>${head("location")}<Location_X>23.134521</Location_X><Location_Y>113.358803</Location_Y><Scale>20</Scale><Label><![CDATA[位置信息]]></Label><MsgId>1234567890123460</MsgId><AgentID>1</AgentID><AppType><![CDATA[wxwork]]></AppType></xml>`,
      {
        type: "location",
        ...common,
        msgId: "1234567890123460",
        latitude: 23.134521,
        longitude: 113.358803,
        scale: 20,
        label: "位置信息",
        dedupeKey: "msg:1234567890123460",
      },
    ],
    [
      "link",
      `<xml>${head("link")}<Title><![CDATA[this is a title]]></Title><Description><![CDATA[this is a description]]></Description><Url><![CDATA[url]]></Url><PicUrl><![CDATA[pic]]></PicUrl><MsgId>1234567890123461</MsgId><AgentID>1</AgentID></xml>`,
      {
        type: "link",
        ...common,
        msgId: "1234567890123461",
        title: "this is a title",
        description: "this is a description",
        url: "url",
        picUrl: "pic",
        dedupeKey: "msg:1234567890123461",
      },
    ],
  ])("%s", (_label, xml, expected) => {
    expect(parse(xml)).toEqual(expected);
  });

  it("keeps a 64-bit MsgId exact and has no AgentID when absent", () => {
    const event = parse(`<xml>${head("text")}<Content>x</Content><MsgId>18446744073709551615</MsgId></xml>`);
    expect(event).toMatchObject({ msgId: "18446744073709551615", agentId: undefined });
  });
});

describe("parseWecomEvent: events (wecom.md §3.3, §3.4 samples)", () => {
  const eventHead = (event: string) =>
    `${head("event", "FromUser", 1408091189)}<Event><![CDATA[${event}]]></Event>`;
  const base = { corpId: "toUser", fromUserId: "FromUser", createTime: 1408091189, agentId: 1 };

  it.each<[string, string, WecomEvent]>([
    [
      "enter_agent",
      `<xml>${eventHead("enter_agent")}<EventKey><![CDATA[]]></EventKey><AgentID>1</AgentID></xml>`,
      { type: "enter_agent", ...base, eventKey: "", dedupeKey: "event:FromUser:1408091189:enter_agent:" },
    ],
    [
      "enter_agent without EventKey",
      `<xml>${eventHead("enter_agent")}<AgentID>1</AgentID></xml>`,
      { type: "enter_agent", ...base, eventKey: "", dedupeKey: "event:FromUser:1408091189:enter_agent:" },
    ],
    [
      "click",
      `<xml>${eventHead("click")}<EventKey><![CDATA[EVENTKEY]]></EventKey><AgentID>1</AgentID></xml>`,
      { type: "click", ...base, eventKey: "EVENTKEY", dedupeKey: "event:FromUser:1408091189:click:EVENTKEY" },
    ],
    [
      "CLICK in WeChat-OA upper case",
      `<xml>${eventHead("CLICK")}<EventKey><![CDATA[K]]></EventKey><AgentID>1</AgentID></xml>`,
      { type: "click", ...base, eventKey: "K", dedupeKey: "event:FromUser:1408091189:click:K" },
    ],
    [
      "subscribe",
      `<xml>${eventHead("subscribe")}<AgentID>1</AgentID></xml>`,
      { type: "subscribe", ...base, dedupeKey: "event:FromUser:1408091189:subscribe" },
    ],
    [
      "unsubscribe",
      `<xml>${eventHead("unsubscribe")}<AgentID>1</AgentID></xml>`,
      { type: "unsubscribe", ...base, dedupeKey: "event:FromUser:1408091189:unsubscribe" },
    ],
  ])("%s", (_label, xml, expected) => {
    expect(parse(xml)).toEqual(expected);
  });

  const officialCardEvent = `<xml>
<ToUserName><![CDATA[toUser]]></ToUserName>
<FromUserName><![CDATA[FromUser]]></FromUserName>
<CreateTime>123456789</CreateTime>
<MsgType><![CDATA[event]]></MsgType>
<Event><![CDATA[template_card_event]]></Event>
<EventKey><![CDATA[key111]]></EventKey>
<TaskId><![CDATA[taskid111]]></TaskId>
<CardType><![CDATA[text_notice]]></CardType>
<ResponseCode><![CDATA[ResponseCode]]></ResponseCode>
<AgentID>1</AgentID>
<SelectedItems>
  <SelectedItem>
    <QuestionKey><![CDATA[QuestionKey1]]></QuestionKey>
    <OptionIds><OptionId><![CDATA[OptionId1]]></OptionId><OptionId><![CDATA[OptionId2]]></OptionId></OptionIds>
  </SelectedItem>
  <SelectedItem>
    <QuestionKey><![CDATA[QuestionKey2]]></QuestionKey>
    <OptionIds><OptionId><![CDATA[OptionId3]]></OptionId><OptionId><![CDATA[OptionId4]]></OptionId></OptionIds>
  </SelectedItem>
</SelectedItems>
</xml>`;

  it("template_card_event: the official sample", () => {
    expect(parse(officialCardEvent)).toEqual({
      type: "template_card_event",
      corpId: "toUser",
      fromUserId: "FromUser",
      createTime: 123456789,
      agentId: 1,
      eventKey: "key111",
      taskId: "taskid111",
      cardType: "text_notice",
      responseCode: "ResponseCode",
      selectedItems: [
        { questionKey: "QuestionKey1", optionIds: ["OptionId1", "OptionId2"] },
        { questionKey: "QuestionKey2", optionIds: ["OptionId3", "OptionId4"] },
      ],
      dedupeKey:
        "event:FromUser:123456789:template_card_event:taskid111:key111:ResponseCode:QuestionKey1=OptionId1,OptionId2;QuestionKey2=OptionId3,OptionId4",
    });
  });

  it("template_card_event: one SelectedItem with one OptionId is still arrays", () => {
    const xml = officialCardEvent.replace(
      /<SelectedItems>[\s\S]*<\/SelectedItems>/,
      "<SelectedItems><SelectedItem><QuestionKey>q</QuestionKey><OptionIds><OptionId>o</OptionId></OptionIds></SelectedItem></SelectedItems>",
    );
    expect(parse(xml)).toMatchObject({ selectedItems: [{ questionKey: "q", optionIds: ["o"] }] });
  });

  it.each([
    ["no SelectedItems", ""],
    ["an empty SelectedItems", "<SelectedItems></SelectedItems>"],
  ])("template_card_event: %s gives []", (_label, replacement) => {
    const xml = officialCardEvent.replace(/<SelectedItems>[\s\S]*<\/SelectedItems>/, replacement);
    expect(parse(xml)).toMatchObject({ selectedItems: [], responseCode: "ResponseCode" });
  });

  it("template_card_event: a SelectedItem with empty OptionIds gives []", () => {
    const xml = officialCardEvent.replace(
      /<SelectedItems>[\s\S]*<\/SelectedItems>/,
      "<SelectedItems><SelectedItem><QuestionKey>q</QuestionKey><OptionIds></OptionIds></SelectedItem></SelectedItems>",
    );
    expect(parse(xml)).toMatchObject({ selectedItems: [{ questionKey: "q", optionIds: [] }] });
  });

  it("two clicks on different buttons of one card in the same second have different dedupe keys", () => {
    const a = parse(officialCardEvent);
    const b = parse(officialCardEvent.replace("key111", "key222"));
    expect(a.dedupeKey).not.toBe(b.dedupeKey);
  });
});

describe("parseWecomEvent: unsupported and invalid", () => {
  it.each([
    [
      "file message",
      `<xml>${head("file")}<MediaId>m</MediaId><MsgId>77</MsgId><AgentID>1</AgentID></xml>`,
      "file",
      undefined,
      "msg:77",
    ],
    [
      "view event",
      `<xml>${head("event")}<Event><![CDATA[view]]></Event><EventKey><![CDATA[www.qq.com]]></EventKey><AgentID>1</AgentID></xml>`,
      "event",
      "view",
      "event:fromUser:1348831860:view:www.qq.com",
    ],
    [
      "LOCATION report",
      `<xml>${head("event")}<Event><![CDATA[LOCATION]]></Event><Latitude>23.104</Latitude><Longitude>113.320</Longitude><Precision>65.000</Precision><AgentID>1</AgentID></xml>`,
      "event",
      "LOCATION",
      "event:fromUser:1348831860:LOCATION:",
    ],
    [
      "a future message type",
      `<xml>${head("hologram")}<MsgId>78</MsgId></xml>`,
      "hologram",
      undefined,
      "msg:78",
    ],
  ])("%s becomes unsupported", (_label, xml, msgType, event, dedupeKey) => {
    const parsed = parse(xml);
    expect(parsed).toMatchObject({ type: "unsupported", msgType, event, dedupeKey, fromUserId: "fromUser" });
    expect(parsed.type === "unsupported" && typeof parsed.fields).toBe("object");
  });

  it.each([
    ["text without MsgId", `<xml>${head("text")}<Content>x</Content></xml>`],
    ["text without Content", `<xml>${head("text")}<MsgId>1</MsgId></xml>`],
    ["a non-numeric MsgId", `<xml>${head("text")}<Content>x</Content><MsgId>12a</MsgId></xml>`],
    [
      "a non-numeric CreateTime",
      `<xml>${head("text", "u", Number.NaN)}<Content>x</Content><MsgId>1</MsgId></xml>`,
    ],
    [
      "no FromUserName",
      "<xml><ToUserName>t</ToUserName><CreateTime>1</CreateTime><MsgType>text</MsgType><Content>x</Content><MsgId>1</MsgId></xml>",
    ],
    [
      "no MsgType",
      "<xml><ToUserName>t</ToUserName><FromUserName>u</FromUserName><CreateTime>1</CreateTime></xml>",
    ],
    [
      "a location with a non-numeric latitude",
      `<xml>${head("location")}<Location_X>north</Location_X><Location_Y>1</Location_Y><MsgId>1</MsgId></xml>`,
    ],
    [
      "a card click without TaskId",
      `<xml>${head("event")}<Event>template_card_event</Event><EventKey>k</EventKey><CardType>text_notice</CardType></xml>`,
    ],
    [
      "Content given twice",
      `<xml>${head("text")}<Content>x</Content><Content>y</Content><MsgId>1</MsgId></xml>`,
    ],
    [
      "an unsupported type without FromUserName",
      "<xml><ToUserName>t</ToUserName><CreateTime>1</CreateTime><MsgType>file</MsgType></xml>",
    ],
  ])("rejects %s as invalid_message", (_label, xml) => {
    let error: unknown;
    try {
      parse(xml);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(WecomCallbackError);
    expect((error as WecomCallbackError).code).toBe("invalid_message");
  });
});

describe("every event type through the callback sender and parseCallback", () => {
  const now = new Date("2026-11-24T01:30:00Z");
  const seconds = Math.floor(now.getTime() / 1000);
  const sender = createCallbackSender({
    corpId: SAMPLE.corpId,
    agentId: 1000002,
    token: SAMPLE.token,
    encodingAesKey: SAMPLE.encodingAesKey,
    now: () => now,
  });
  const config = { token: SAMPLE.token, encodingAesKey: SAMPLE.encodingAesKey, receiveId: SAMPLE.corpId };
  const roundTrip = (req: { query: Record<string, string>; body: string }) => {
    const result = parseCallback({ method: "POST", query: req.query, rawBody: req.body, config });
    if (result.kind !== "event") throw new Error("expected an event");
    return result.event;
  };
  const base = { corpId: SAMPLE.corpId, fromUserId: "zhangsan", createTime: seconds, agentId: 1000002 };

  it("text", () => {
    expect(roundTrip(sender.text({ fromUserId: "zhangsan", content: "１ 正常", msgId: "9" }))).toEqual({
      type: "text",
      ...base,
      msgId: "9",
      content: "１ 正常",
      dedupeKey: "msg:9",
    });
  });

  it("generates distinct, numeric MsgIds", () => {
    const a = roundTrip(sender.text({ fromUserId: "zhangsan", content: "a" }));
    const b = roundTrip(sender.text({ fromUserId: "zhangsan", content: "a" }));
    expect(a.type === "text" && /^\d+$/.test(a.msgId)).toBe(true);
    expect(a.dedupeKey).not.toBe(b.dedupeKey);
  });

  it("image and location", () => {
    expect(roundTrip(sender.image({ fromUserId: "zhangsan", mediaId: "M1", msgId: "10" }))).toMatchObject({
      type: "image",
      mediaId: "M1",
    });
    expect(
      roundTrip(
        sender.location({
          fromUserId: "zhangsan",
          latitude: 30.5,
          longitude: -114.25,
          label: "村口",
          msgId: "11",
        }),
      ),
    ).toMatchObject({ type: "location", latitude: 30.5, longitude: -114.25, label: "村口", scale: 15 });
  });

  it.each(["enter_agent", "click", "subscribe", "unsubscribe"] as const)("%s", (event) => {
    const parsed = roundTrip(
      sender.event({ fromUserId: "zhangsan", event, eventKey: event === "click" ? "menu_today" : undefined }),
    );
    expect(parsed).toMatchObject({ type: event, ...base });
  });

  it("template_card_event with selections", () => {
    const parsed = roundTrip(
      sender.templateCardEvent({
        fromUserId: "zhangsan",
        taskId: "visit-2026-11-24-zhangsan",
        eventKey: "normal",
        cardType: "button_interaction",
        responseCode: "RC1",
        selectedItems: [{ questionKey: "who", optionIds: ["1"] }],
      }),
    );
    expect(parsed).toEqual({
      type: "template_card_event",
      ...base,
      eventKey: "normal",
      taskId: "visit-2026-11-24-zhangsan",
      cardType: "button_interaction",
      responseCode: "RC1",
      selectedItems: [{ questionKey: "who", optionIds: ["1"] }],
      dedupeKey: `event:zhangsan:${seconds}:template_card_event:visit-2026-11-24-zhangsan:normal:RC1:who=1`,
    });
  });
});
