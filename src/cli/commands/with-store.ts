import os from "node:os";
import pino from "pino";
import { loadTemplates } from "../../bot/templates";
import type { JobDeps } from "../../jobs/job";
import { scheduleOutlook } from "../../domain/calendar";
import { isLocalDate, type LocalDate } from "../../domain/local-date";
import { createPlanner, type Planner } from "../../planning/planner";
import type { ReadProgress } from "../../store/plan-input-repository";
import { createIdCipher, type IdCipher } from "../../store/id-cipher";
import { loadSecretKey } from "../../store/secret-key";
import { createStore, type Store } from "../../store/store";
import type { CliContext } from "../cli-context";
import { CliError } from "../cli-error";
import type { Database } from "../../store/database";

/** The operator running the CLI, for audit entries. */
export function cliActor(): string {
  try {
    return `cli:${os.userInfo().username}`;
  } catch {
    return "cli";
  }
}

/** Opens the database (the running server's socket when embedded) and runs `fn` with a store. */
export async function withStore<T>(
  ctx: CliContext,
  fn: (store: Store, db: Database, cipher: IdCipher) => Promise<T>,
): Promise<T> {
  const config = ctx.config();
  const db = await ctx.openDb();
  try {
    const secret = loadSecretKey({ fromEnv: config.secretKey, dataDir: config.dataDir });
    const cipher = createIdCipher(secret.key);
    return await fn(createStore(db.prisma, cipher), db, cipher);
  } finally {
    await db.close();
  }
}

/** Job dependencies for a manual run from the CLI (logs stay silent; warnings are printed). */
export function cliJobDeps(ctx: CliContext, store: Store, db: Database, onProgress?: ReadProgress): JobDeps {
  const tz = ctx.config().tz;
  return {
    store,
    planner: createPlanner({ repos: store, tz, onProgress }),
    templates: loadTemplates(),
    tz,
    logger: pino({ level: "silent" }),
    instance: `${cliActor()}@${os.hostname()}:${process.pid}`,
    clock: ctx.now,
    enqueueConcurrency: db.kind === "postgres" ? 4 : 1,
  };
}

/** The holiday-schedule warnings of `date` (its year; from 1 December the next), for printing first. */
export async function calendarOutlook(
  planner: Pick<Planner, "calendar">,
  date: LocalDate,
): Promise<{ year: number; message: string }[]> {
  return scheduleOutlook(await planner.calendar(), [date]).map((w) => ({ year: w.year, message: w.message }));
}

/** The calendar warnings first, then the others (each once). */
export function withCalendarFirst(
  calendar: readonly { message: string }[],
  others: readonly string[],
): string[] {
  return [...new Set([...calendar.map((w) => w.message), ...others])];
}

/** `--date` as YYYY-MM-DD, or a CliError in Chinese. */
export function parseDateOption(value: string | undefined, fallback: string): string {
  if (value === undefined) return fallback;
  if (!isLocalDate(value)) throw new CliError(`日期应为 YYYY-MM-DD 格式的真实日期：${value}`);
  return value;
}

/** A progress line on stderr for long reads (terminals only, never with --json). */
export function progressLine(enabled: boolean): { onProgress?: ReadProgress; done(): void } {
  if (!enabled || !process.stderr.isTTY) return { done: () => undefined };
  const names = { subjects: "管控对象", guarantees: "包保关系", visits: "走访记录" } as const;
  let shown = false;
  return {
    onProgress: (what, rows) => {
      shown = true;
      process.stderr.write(`\r正在读取${names[what]}：${rows.toLocaleString("zh-CN")} 条      `);
    },
    done: () => {
      if (shown) process.stderr.write("\n");
    },
  };
}
