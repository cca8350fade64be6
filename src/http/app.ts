import type Router from "@koa/router";
import Koa from "koa";
import type { Logger } from "pino";
import { errorMiddleware } from "./error-middleware";
import type { Metrics } from "./metrics";
import { type HealthDeps, healthRoutes } from "./routes/health";

export interface AppDeps {
  logger: Logger;
  metrics: Metrics;
  health: HealthDeps;
  /** Further routers (WeCom callback, sandbox, admin), mounted in order. */
  routers?: Router[];
}

/** Builds the Koa app; never listens (main.ts and tests do). */
export function createApp(deps: AppDeps): Koa {
  const app = new Koa();
  app.proxy = true;
  app.use(errorMiddleware(deps.logger));
  app.use(async (ctx, next) => {
    const end = deps.metrics.httpDuration.startTimer();
    try {
      await next();
    } finally {
      const route = (ctx as unknown as { _matchedRoute?: string })._matchedRoute ?? "unmatched";
      end({ route });
      deps.metrics.httpRequests.inc({ route, status: String(ctx.status) });
    }
  });
  const routers = [healthRoutes(deps.health), ...(deps.routers ?? [])];
  for (const r of routers) app.use(r.routes()).use(r.allowedMethods());
  app.use(async (ctx, next) => {
    if (ctx.path === "/metrics" && ctx.method === "GET") {
      ctx.type = deps.metrics.registry.contentType;
      ctx.body = await deps.metrics.registry.metrics();
      return;
    }
    await next();
  });
  return app;
}
