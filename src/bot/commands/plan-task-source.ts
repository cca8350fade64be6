import { describePlanItem } from "../../jobs/daily-card";
import type { Planner } from "../../planning/planner";
import type { Repos } from "../../store/store";
import type { Templates } from "../templates";
import type { ConversationDeps } from "./command-context";

/**
 * `任务` lists what the plan says is due for the cadre today: the same items, in the same order
 * and with the same numbers as the morning card. Only the cadre's own people are read
 * (`planForCadre`), so one message costs a handful of rows, not the deployment's plan.
 */
export function createPlanTaskSource(
  makePlanner: (repos: Repos) => Planner,
  templates: Templates,
): ConversationDeps["listTasks"] {
  return async (repos, cadreId, now) => {
    const plan = await makePlanner(repos).planForCadre(cadreId, { now });
    const list = plan.lists.find((l) => l.cadre.id === cadreId);
    return {
      date: plan.date,
      items: (list?.items ?? []).map((item) => ({
        subjectId: item.subjectId as number,
        name: item.name,
        ...describePlanItem(templates, item),
        dueBy: item.dueBy,
        overdue: item.state === "overdue",
      })),
    };
  };
}
