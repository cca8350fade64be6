import fs from "node:fs";
import path from "node:path";
import Router from "@koa/router";
import { z } from "zod";
import { readJsonBody } from "../../http/read-json-body";
import type { Store } from "../../store/store";
import type { CallbackRequest, CallbackSender } from "../../wecom/emulator/callback-sender";
import type { Delivery, WecomEmulator } from "../../wecom/emulator/wecom-emulator";

export interface SandboxDeps {
  emulator: WecomEmulator;
  callbacks: CallbackSender;
  /** Where WeCom would POST: this server's own /wecom/callback (same crypto, same path). */
  callbackUrl: () => string;
  store: Pick<Store, "cadres" | "regions">;
  now: () => Date;
  /** How long to wait for the bot's replies (architecture.md: up to 3 s). */
  replyWaitMs?: number;
  /** Quiet time after the last reply before answering. */
  settleMs?: number;
}

const messageInput = z.object({ from: z.string().min(1).max(64), text: z.string().min(1).max(4000) });
const clickInput = z.object({
  from: z.string().min(1).max(64),
  taskId: z.string().min(1).max(128),
  key: z.string().min(1).max(128),
});

const PAGE = path.join(__dirname, "sandbox-page.html");

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
  const settleMs = deps.settleMs ?? 300;

  /** Posts a signed, encrypted callback to our own endpoint and collects what the user receives. */
  async function deliverAndCollect(userId: string, request: CallbackRequest) {
    const since = deps.now();
    const seen: Delivery[] = [];
    let settleTimer: NodeJS.Timeout | undefined;
    let finish: () => void = () => {};
    const done = new Promise<void>((resolve) => {
      finish = resolve;
    });
    const unsubscribe = deps.emulator.onDelivery((d) => {
      if (d.at < since) return;
      if (!deps.emulator.inbox(userId, since).some((x) => x.seq === d.seq)) return;
      seen.push(d);
      if (settleTimer) clearTimeout(settleTimer);
      settleTimer = setTimeout(finish, settleMs);
    });
    const overall = setTimeout(finish, waitMs);
    try {
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
      await done;
      return { status: 200, body: { replies: seen.sort((a, b) => a.seq - b.seq).map(view) } };
    } finally {
      unsubscribe();
      clearTimeout(overall);
      if (settleTimer) clearTimeout(settleTimer);
    }
  }

  router.get("/", (ctx) => {
    ctx.type = "text/html; charset=utf-8";
    ctx.body = fs.createReadStream(PAGE);
  });

  router.get("/api/users", async (ctx) => {
    const cadres = await deps.store.cadres.listActive();
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
    const request = deps.callbacks.templateCardEvent({
      fromUserId: from,
      taskId,
      eventKey: key,
      cardType: clicked.cardType,
      responseCode: clicked.responseCode,
    });
    const result = await deliverAndCollect(from, request);
    ctx.status = result.status;
    ctx.body = result.body;
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
