import fs from "node:fs";
import path from "node:path";
import Router from "@koa/router";
import { z } from "zod";
import { readJsonBody } from "../../http/read-json-body";
import type { Store } from "../../store/store";
import type { CallbackRequest, CallbackSender } from "../../wecom/emulator/callback-sender";
import type { Delivery, WecomEmulator } from "../../wecom/emulator/wecom-emulator";
import { parseWecomEvent } from "../../wecom/events";
import { parseXmlRoot } from "../../wecom/xml";
import { hasWecomAccount } from "../../domain/wecom-account";

export interface SandboxDeps {
  emulator: WecomEmulator;
  callbacks: CallbackSender;
  /** Where WeCom would POST: this server's own /wecom/callback (same crypto, same path). */
  callbackUrl: () => string;
  store: Pick<Store, "cadres" | "regions" | "inbound" | "outbox">;
  /** The channel the callback stores messages under ("app"). */
  channel: string;
  now: () => Date;
  /** How long to wait for the bot's replies (architecture.md: up to 3 s). */
  replyWaitMs?: number;
  /** How often to look at the outbox while waiting. */
  pollMs?: number;
}

const messageInput = z.object({ from: z.string().min(1).max(64), text: z.string().min(1).max(4000) });
const clickInput = z.object({
  from: z.string().min(1).max(64),
  taskId: z.string().min(1).max(128),
  key: z.string().min(1).max(128),
  /** The option chosen in the card's selector; defaults to the card's current selection. */
  selectedId: z.string().min(1).max(128).optional(),
});

const PAGE = path.join(__dirname, "sandbox-page.html");

/** The selector of the newest version of a card the user holds (sent or updated). */
function currentSelection(
  inbox: Delivery[],
  taskId: string,
): { questionKey: string; selectedId: string } | null {
  for (let i = inbox.length - 1; i >= 0; i--) {
    const card = inbox[i]!.body.template_card as
      | { task_id?: string; button_selection?: { question_key?: string; selected_id?: string } }
      | undefined;
    if (card?.task_id !== taskId) continue;
    const sel = card?.button_selection;
    if (sel?.question_key && sel.selected_id)
      return { questionKey: sel.question_key, selectedId: sel.selected_id };
    return null;
  }
  return null;
}

/** A delivery as the sandbox API shows it: when, what kind, the WeCom JSON body. */
function view(d: Delivery) {
  return { seq: d.seq, at: d.at.toISOString(), api: d.api, msgtype: d.msgtype, body: d.body };
}

/**
 * The sandbox: a page and a JSON API that drive the real callback → bot → outbox → API client
 * path through the local WeCom emulator. Mounted only in sandbox mode.
 */
export function sandboxRoutes(deps: SandboxDeps): Router {
  const router = new Router({ prefix: "/sandbox" });
  const waitMs = deps.replyWaitMs ?? 3000;
  const pollMs = deps.pollMs ?? 25;

  /**
   * Posts a signed, encrypted callback to our own endpoint (the path WeCom takes), then waits until
   * the bot has processed it and every reply it enqueued has left the outbox (or `waitMs` passed),
   * and returns what the user received meanwhile.
   */
  async function deliverAndCollect(userId: string, request: CallbackRequest) {
    const since = deps.now();
    const dedupeKey = parseWecomEvent(parseXmlRoot(request.plaintext)).dedupeKey;
    const res = await fetch(`${deps.callbackUrl()}?${request.queryString}`, {
      method: "POST",
      headers: { "content-type": "text/xml" },
      body: request.body,
    });
    if (res.status !== 200) {
      return {
        status: 502,
        body: { error: "callback_rejected", message: `回调被拒绝（HTTP ${res.status}）` },
      };
    }
    const deadline = Date.now() + waitMs;
    while (Date.now() < deadline) {
      const inbound = await deps.store.inbound.findByKey(deps.channel, dedupeKey);
      if (inbound && inbound.status !== "received") {
        const prefixes = [`reply:${deps.channel}:${inbound.id}#`, `error:${deps.channel}:${inbound.id}#`];
        const counts = await Promise.all(prefixes.map((p) => deps.store.outbox.countUndelivered(p)));
        if (counts.every((c) => c === 0)) break;
      }
      await new Promise((r) => setTimeout(r, pollMs));
    }
    const replies = deps.emulator.inbox(userId, since).sort((a, b) => a.seq - b.seq);
    return { status: 200, body: { replies: replies.map(view) } };
  }

  router.get("/", (ctx) => {
    ctx.type = "text/html; charset=utf-8";
    ctx.body = fs.createReadStream(PAGE);
  });

  router.get("/api/users", async (ctx) => {
    // Cadres without a WeCom account yet (`pending:<mobile>`) are no members: nobody to act as.
    const cadres = (await deps.store.cadres.listActive()).filter((c) => hasWecomAccount(c.userid));
    const regions = new Map<number, string>();
    for (const id of new Set(cadres.map((c) => c.homeRegionId))) {
      const r = await deps.store.regions.findById(id);
      if (r) regions.set(id, r.name);
    }
    ctx.body = cadres.map((c) => ({
      userid: c.userid,
      name: c.name,
      roles: c.roles,
      region: regions.get(c.homeRegionId) ?? null,
    }));
  });

  router.post("/api/messages", async (ctx) => {
    const parsed = messageInput.safeParse(await readJsonBody(ctx));
    if (!parsed.success) {
      ctx.status = 400;
      ctx.body = { error: "invalid_input", message: "请提供 from（企业微信账号）和 text（消息内容）" };
      return;
    }
    const { from, text } = parsed.data;
    const result = await deliverAndCollect(from, deps.callbacks.text({ fromUserId: from, content: text }));
    ctx.status = result.status;
    ctx.body = result.body;
  });

  router.post("/api/cards/click", async (ctx) => {
    const parsed = clickInput.safeParse(await readJsonBody(ctx));
    if (!parsed.success) {
      ctx.status = 400;
      ctx.body = { error: "invalid_input", message: "请提供 from、taskId 和 key" };
      return;
    }
    const { from, taskId, key } = parsed.data;
    const clicked = deps.emulator.clickCard(from, taskId);
    if (!clicked) {
      ctx.status = 404;
      ctx.body = { error: "card_not_found", message: "该用户没有收到这张卡片，或卡片已失效" };
      return;
    }
    // WeCom sends the card's current selection with every button click (button_selection).
    const selection = currentSelection(deps.emulator.inbox(from), taskId);
    const chosen = parsed.data.selectedId ?? selection?.selectedId;
    const request = deps.callbacks.templateCardEvent({
      fromUserId: from,
      taskId,
      eventKey: key,
      cardType: clicked.cardType,
      responseCode: clicked.responseCode,
      selectedItems: selection && chosen ? [{ questionKey: selection.questionKey, optionIds: [chosen] }] : [],
    });
    const result = await deliverAndCollect(from, request);
    ctx.status = result.status;
    ctx.body = result.body;
  });

  // Uploaded media (e.g. the weekly report chart), so the page can show image messages.
  router.get("/api/media/:id", (ctx) => {
    const media = deps.emulator.media(ctx.params.id ?? "");
    if (!media) {
      ctx.status = 404;
      ctx.body = { error: "media_not_found", message: "没有这个媒体文件" };
      return;
    }
    ctx.type = media.contentType ?? "application/octet-stream";
    ctx.body = media.data;
  });

  router.get("/api/inbox/:userid", (ctx) => {
    const raw = typeof ctx.query.since === "string" ? ctx.query.since : undefined;
    const since = raw ? new Date(raw) : undefined;
    if (since && Number.isNaN(since.getTime())) {
      ctx.status = 400;
      ctx.body = { error: "invalid_since", message: "since 须为 ISO 时间，例如 2026-11-24T00:00:00Z" };
      return;
    }
    ctx.body = deps.emulator.inbox(ctx.params.userid ?? "", since).map(view);
  });

  return router;
}
