import Router from "@koa/router";

export interface HealthDeps {
  mode: "sandbox" | "wecom";
  dbKind: "embedded" | "postgres";
  ping(): Promise<boolean>;
}

/** GET /healthz → {"status":"ok","mode":…,"db":…}; 503 when the database does not answer. */
export function healthRoutes(deps: HealthDeps): Router {
  const router = new Router();
  router.get("/healthz", async (ctx) => {
    const ok = await deps.ping();
    ctx.status = ok ? 200 : 503;
    ctx.body = ok
      ? { status: "ok", mode: deps.mode, db: deps.dbKind }
      : { status: "error", mode: deps.mode, db: deps.dbKind, message: "数据库无响应" };
  });
  return router;
}
