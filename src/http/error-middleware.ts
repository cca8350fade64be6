import type { Middleware } from "koa";
import type { Logger } from "pino";

/** The one place HTTP errors end: a JSON body with a stable code, Chinese message, no stack. */
export function errorMiddleware(logger: Logger): Middleware {
  return async (ctx, next) => {
    try {
      await next();
    } catch (err) {
      const e = err as {
        status?: number;
        statusCode?: number;
        code?: string;
        expose?: boolean;
        message?: string;
      };
      const status = e.status ?? e.statusCode ?? 500;
      ctx.status = status;
      if (status >= 500) {
        logger.error({ err, path: ctx.path }, "request failed");
        ctx.body = { error: "internal_error", message: "服务器内部错误，请稍后重试。" };
      } else {
        ctx.body = {
          error: e.code ?? "bad_request",
          message: e.expose !== false && e.message ? e.message : "请求有误。",
        };
      }
    }
  };
}
