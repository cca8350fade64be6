/**
 * The /sandbox page in a real headless browser (Debian `chromium` driven by `playwright-core`),
 * against the whole service: page → JSON API → encrypted callback → bot → outbox → API client →
 * WeCom emulator → the page's inbox view. No shortcut around the channel.
 *
 * Needs /usr/bin/chromium (`.ci/run` installs it). Without it every test here fails with a message
 * saying how to install it: a browser test that silently passes would prove nothing.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import { enqueueMessages } from "../../src/channels/outbound-message";
import { seedSmallTownship, startTestServices, type TestServices } from "../helpers/test-services";

const CHROMIUM = "/usr/bin/chromium";
const SCREENSHOT = path.join(os.tmpdir(), "sandbox.png");
/** Generous: the page polls the inbox every 2 s and the API waits up to 3 s for replies. */
const UI_TIMEOUT_MS = 15_000;

let s: TestServices;
let browser: Browser;
let page: Page;
/** Uncaught exceptions and console errors in the page; every test expects none. */
const pageErrors: string[] = [];

beforeAll(async () => {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(
      `浏览器测试需要 ${CHROMIUM}，但本机没有安装：请运行 ` +
        "`apt-get update && apt-get install -y --no-install-recommends chromium`（.ci/run 会自动安装）。",
    );
  }
  s = await startTestServices();
  await seedSmallTownship(s);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-quic",
      "--no-first-run",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  page = await browser.newPage({ viewport: { width: 900, height: 720 }, locale: "zh-CN" });
  page.setDefaultTimeout(UI_TIMEOUT_MS);
  page.on("pageerror", (err) => pageErrors.push(`pageerror: ${err.message}`));
  page.on("console", (msg) => {
    if (msg.type() === "error") pageErrors.push(`console: ${msg.text()} ${JSON.stringify(msg.location())}`);
  });
  await page.goto(`${s.url}/sandbox`);
});

afterAll(async () => {
  await browser?.close();
  await s?.stop();
});

afterEach(() => {
  // Drained so that one test's error is reported once, not by every later test.
  expect(pageErrors.splice(0)).toEqual([]);
});

/** The text of each chat bubble (without its "包保助手 · 10:02" line), in page order. */
function bubbles(kind: "me" | "bot"): Promise<string[]> {
  return page.locator(`#chat .msg.${kind} > div:not(.meta)`).allTextContents();
}

/** Resolves once the page shows no status ("发送中…" or an error): the last request is answered. */
function statusCleared() {
  return page.waitForFunction('document.getElementById("status").textContent === ""');
}

/** What the emulator delivered to a member as text messages, oldest first. */
function deliveredTexts(userid: string, since?: Date): string[] {
  return s.emulator!.inbox(userid, since).map((d) => {
    const body = d.body as { text?: { content?: string } };
    return body.text?.content ?? JSON.stringify(d.body);
  });
}

async function sendFromPage(text: string) {
  await page.getByLabel("消息").fill(text);
  await page.getByRole("button", { name: "发送" }).click();
}

test("the identity picker lists every registered person with role and region", async () => {
  const option = page.locator("#user option");
  await option.nth(1).waitFor({ state: "attached" });
  const options: { value: string | null; label: string | null }[] = [];
  for (let i = 0; i < (await option.count()); i++) {
    options.push({
      value: await option.nth(i).getAttribute("value"),
      label: await option.nth(i).textContent(),
    });
  }
  expect(options).toEqual(
    expect.arrayContaining([
      { value: "wangli", label: "王丽（包保干部 · 青山村）" },
      { value: "zhoujg", label: "周建国（镇领导 · 示范镇）" },
    ]),
  );
  expect(options).toHaveLength(2);
  expect(await page.title()).toBe("包保助手 · 沙箱");
});

test("a registered person sends 帮助 with the 发送 button and sees the bot's reply in the chat", async () => {
  const since = new Date();
  await page.selectOption("#user", "wangli");
  await sendFromPage("帮助");

  // The reply travelled the real path: it is in the emulator's record of what WeCom delivered.
  await page.locator("#chat .msg.bot").first().waitFor();
  const delivered = deliveredTexts("wangli", since);
  expect(delivered).toHaveLength(1);
  expect(delivered[0]).toContain("包保助手使用说明");

  // The page shows the sent message, then exactly what was delivered, in order.
  expect(await bubbles("me")).toEqual(["帮助"]);
  expect(await bubbles("bot")).toEqual(delivered);
  const messages = page.locator("#chat .msg");
  expect(await messages.count()).toBe(2);
  expect(await messages.nth(0).getAttribute("class")).toBe("msg me");
  expect(await messages.nth(1).getAttribute("class")).toBe("msg bot");
  await expect(page.locator("#chat .msg.bot .meta").first().textContent()).resolves.toMatch(
    /^包保助手 · \d{2}:\d{2}$/,
  );

  // The input is cleared and no error is shown once the answer is in.
  expect(await page.getByLabel("消息").inputValue()).toBe("");
  await statusCleared();

  // It was one inbound message, stored and processed once.
  const inbound = await s.db.prisma.inboundMessage.findMany({ where: { fromUser: "wangli" } });
  expect(inbound).toEqual([expect.objectContaining({ status: "processed", msgType: "text" })]);
});

test("switching identity shows only that person's chat, and switching back brings the first one back", async () => {
  const since = new Date();
  await page.selectOption("#user", "zhoujg");
  // The previous person's chat is gone at once, and a poll in flight for them does not bring it back.
  expect(await page.locator("#chat .msg").count()).toBe(0);

  await sendFromPage("帮助");
  await page.locator("#chat .msg.bot").first().waitFor();
  const delivered = deliveredTexts("zhoujg", since);
  expect(delivered).toHaveLength(1);
  expect(await bubbles("me")).toEqual(["帮助"]);
  expect(await bubbles("bot")).toEqual(delivered);

  await statusCleared();
  await page.screenshot({ path: SCREENSHOT, fullPage: true });
  expect(fs.statSync(SCREENSHOT).size).toBeGreaterThan(0);

  // Back to 王丽: her inbox is shown again (the page keeps no copy of what she typed).
  await page.selectOption("#user", "wangli");
  await page.locator("#chat .msg.bot").first().waitFor();
  expect(await bubbles("bot")).toEqual(deliveredTexts("wangli"));
  expect(await bubbles("me")).toEqual([]);
});

test("a push the bot sends unasked (through the outbox) appears in the open chat without any action", async () => {
  await page.selectOption("#user", "wangli");
  await page.locator("#chat .msg.bot").first().waitFor();
  const before = await bubbles("bot");
  const push = "今日走访提醒：请于今天内走访青山村 1 号户。";
  await s.store.transaction((repos) =>
    enqueueMessages(repos, "app", "browser-test-push", [{ kind: "text", to: "wangli", text: push }]),
  );

  // The outbox worker delivers it to the emulator; the page's inbox poll (every 2 s) shows it.
  await page.locator("#chat .msg.bot", { hasText: push }).waitFor();
  expect(await bubbles("bot")).toEqual([...before, push]);
  expect(deliveredTexts("wangli").at(-1)).toBe(push);
  expect(s.emulator!.violations()).toEqual([]);
});
