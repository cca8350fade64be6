/**
 * zod schemas for operator-edited domain configuration (policy rows, calendar overrides), for the
 * edges that read them (CLI imports, admin API, seed). Messages are in Chinese for operators.
 */

import { z } from "zod";
import { CATEGORIES } from "./categories";
import { isLocalDate } from "./local-date";
import { type CadencePolicy, validatePolicy } from "./policy";
import type { CalendarOverride } from "./calendar";

const localDate = z.string().refine(isLocalDate, { message: "日期格式应为 YYYY-MM-DD" });

/** One cadence policy row; cross-field rules from `validatePolicy`. */
export const cadencePolicySchema = z
  .object({
    regionCode: z.string().trim().min(1).default("*"),
    category: z.enum(CATEGORIES),
    level: z.string().trim().min(1).default("*"),
    method: z.enum(["in_person", "phone", "any"]).default("any"),
    period: z.enum(["week", "month", "quarter", "year", "days"]),
    intervalDays: z.number().int().positive().nullish(),
    minCount: z.number().int().positive().default(1),
    rule: z.enum(["any", "each"]).default("any"),
    source: z.string().trim().min(1, { message: "请注明依据" }),
  })
  .superRefine((policy, ctx) => {
    for (const problem of validatePolicy(policy)) ctx.addIssue({ code: "custom", message: problem });
  }) satisfies z.ZodType<CadencePolicy, unknown>;

/** One calendar override. */
export const calendarOverrideSchema = z.object({
  date: localDate,
  workday: z.boolean(),
  note: z.string().trim().max(50).nullish(),
}) satisfies z.ZodType<CalendarOverride, unknown>;
