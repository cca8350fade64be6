/** Job dependencies over a test store: the real planner and templates, a given clock. */
import pino from "pino";
import { loadTemplates } from "../../src/bot/templates";
import type { JobDeps } from "../../src/jobs/job";
import { createPlanner } from "../../src/planning/planner";
import type { Store } from "../../src/store/store";

const TZ = "Asia/Shanghai";
const templates = loadTemplates();

/** `clock` is a fixed instant or a function read at each call (e.g. a harness's clock). */
export function jobDepsFor(store: Store, clock: Date | (() => Date), instance = "test"): JobDeps {
  return {
    store,
    planner: createPlanner({ repos: store, tz: TZ }),
    templates,
    tz: TZ,
    logger: pino({ level: "silent" }),
    instance,
    clock: typeof clock === "function" ? clock : () => clock,
  };
}
