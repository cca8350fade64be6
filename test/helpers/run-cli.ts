/**
 * Drives `baobao …` (src/cli/main.ts `run`) against a test database with a fixed clock and a
 * scripted standard input: what it prints, its exit code, and the questions it asked.
 */
import type { CliInput } from "../../src/cli/cli-context";
import { run } from "../../src/cli/main";

export interface CliResult {
  code: number;
  out: string;
  err: string;
  /** Questions asked on the terminal, in order. */
  asked: string[];
}

export interface CliInputScript {
  /** A terminal is attached (questions may be asked). */
  interactive?: boolean;
  /** What standard input holds (`-` arguments). */
  stdin?: string | Buffer;
  /** Answers to the questions, in order ('' once they run out). */
  answers?: string[];
}

export function cliRunner(env: Record<string, string>) {
  return async (args: string[], opts: { now?: Date; input?: CliInputScript } = {}): Promise<CliResult> => {
    const out: string[] = [];
    const err: string[] = [];
    const asked: string[] = [];
    const answers = [...(opts.input?.answers ?? [])];
    const input: CliInput | undefined = opts.input
      ? {
          interactive: opts.input.interactive ?? false,
          readAll: async () => Buffer.from(opts.input?.stdin ?? ""),
          ask: async (question) => {
            asked.push(question);
            return answers.shift() ?? "";
          },
        }
      : undefined;
    const now = opts.now;
    const code = await run(
      ["node", "baobao", ...args],
      { LOG_LEVEL: "silent", ...env },
      { out: (s) => out.push(s), err: (s) => err.push(s), ...(input ? { input } : {}) },
      now ? () => now : undefined,
    );
    return { code, out: out.join("\n"), err: err.join("\n"), asked };
  };
}
