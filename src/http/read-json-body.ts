import type { Context } from "koa";
import getRawBody from "raw-body";

/** Reads a small JSON request body; a clear 4xx for anything else. */
export async function readJsonBody(ctx: Context, limit = "64kb"): Promise<unknown> {
  let text: string;
  try {
    text = await getRawBody(ctx.req, { limit, encoding: "utf8" });
  } catch (err) {
    const tooLarge = (err as { status?: number }).status === 413;
    ctx.throw(tooLarge ? 413 : 400, tooLarge ? "请求体过大" : "无法读取请求体", {
      code: tooLarge ? "body_too_large" : "bad_request",
    });
  }
  try {
    return JSON.parse(text);
  } catch {
    ctx.throw(400, "请求体不是合法的 JSON", { code: "invalid_json" });
  }
}
