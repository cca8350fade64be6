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
import { DEFAULT_CADENCE_POLICIES } from "../../src/domain/cadence-defaults";
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

test("任务 brings a card; choosing a person and tapping 正常 records the visit and updates the card", async () => {
  // Two people 王丽 guarantees, so that her task list is a one-tap card.
  await s.store.policies.seedDefaultsIfEmpty(DEFAULT_CADENCE_POLICIES, new Date());
  const village = (await s.store.regions.findByCode("V"))!;
  const cadre = (await s.store.cadres.findByUserid("wangli"))!;
  for (const name of ["钱一", "钱二"]) {
    const subject = await s.store.subjects.create({
      name,
      regionId: village.id,
      category: "mental_disorder",
      level: "risk3",
    });
    await s.db.prisma.guarantee.create({
      data: { subjectId: subject.id, cadreId: cadre.id, startDate: new Date("2026-01-01") },
    });
  }
  await page.selectOption("#user", "wangli");
  await page.locator("#chat .msg.bot").first().waitFor();
  await sendFromPage("任务");

  // The card: a title, a person selector with both, and the three outcome buttons.
  await page.locator("#chat .msg.card").first().waitFor();
  await statusCleared();
  // Locators are lazy: pin this card by position, since the updated card arrives after it.
  const card = page.locator("#chat .msg.card").nth((await page.locator("#chat .msg.card").count()) - 1);
  expect((await card.locator("h3").textContent())?.length).toBeGreaterThan(0);
  const selector = card.locator("select");
  const people = await selector.locator("option").allTextContents();
  expect([...people].map((p) => p.slice(3)).sort()).toEqual(["钱一", "钱二"]);
  expect(await card.locator("button").allTextContents()).toEqual(["正常", "异常", "未见到"]);

  // Choose the second person, tap 正常.
  const [first, second] = people.map((p) => p.slice(3));
  await selector.selectOption({ index: 1 });
  await card.getByRole("button", { name: "正常" }).click();
  await page.locator("#chat .msg.bot", { hasText: `已登记：${second}` }).waitFor();
  await statusCleared();
  expect((await bubbles("me")).at(-1)).toBe(`（点击「${people[1]} 正常」）`);
  expect(await card.getByRole("button", { name: "正常" }).isDisabled()).toBe(true);
  // The card comes back updated: only the first person is left to choose.
  const updated = page.locator("#chat .msg.card", { hasText: "卡片已更新" }).last();
  await updated.waitFor();
  expect(await updated.locator("select option").allTextContents()).toEqual([`1. ${first}`]);
  expect(await s.db.prisma.visit.count({ where: { cadreId: cadre.id, status: "active" } })).toBe(1);

  // Tapping 正常 on the updated card takes its default selection, the last person; the card closes.
  await updated.getByRole("button", { name: "正常" }).click();
  await page.locator("#chat .msg.bot", { hasText: `已登记：${first}` }).waitFor();
  await page.locator("#chat .msg.bot", { hasText: "全部已登记" }).waitFor();
  await statusCleared();
  expect(await s.db.prisma.visit.count({ where: { cadreId: cadre.id, status: "active" } })).toBe(2);
  expect(s.emulator!.violations()).toEqual([]);

  await page.screenshot({ path: path.join(os.tmpdir(), "sandbox-card.png"), fullPage: true });
});
