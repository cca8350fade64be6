import pino, { type Logger } from "pino";

export type { Logger };

/** JSON logs to stdout; level from config. */
export function createLogger(level: string, base: Record<string, unknown> = {}): Logger {
  return pino({ level, base: { app: "baobao", ...base } });
}
