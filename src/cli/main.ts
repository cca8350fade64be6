import { Command, CommanderError } from "commander";
import { ConfigError } from "../config";
import { type CliIo, createCliContext } from "./cli-context";
import { CliError } from "./cli-error";
import { registerCadreCommands } from "./commands/cadre";
import { registerCalendarCommands } from "./commands/calendar";
import { terminalInput } from "./terminal-input";
import { registerDbCommands } from "./commands/db";
import { registerGuaranteeCommands } from "./commands/guarantee";
import { registerIncidentCommands } from "./commands/incident"; // incident ladder (issue 6)
// Cadence engine (issue 5).
import { registerPlanCommand } from "./commands/plan";
import { registerPolicyCommands } from "./commands/policy";
import { registerPushCommand } from "./commands/push";
// The register (issue 12).
import { registerRosterCommands } from "./commands/roster";
import { registerSubjectCommands } from "./commands/subject";
// Leader summaries and reports (issue 6).
import { registerReportCommand } from "./commands/report";
// The register (issue 12).
import { rosterCommand } from "./commands/roster-command";
import { registerRosterExport } from "./commands/roster-export";
import { registerRosterWecom } from "./commands/roster-wecom";
import { registerVisitsCommands } from "./commands/visits";

/** Builds the `baobao` program with Chinese help. */
export function buildProgram(ctx: ReturnType<typeof createCliContext>): Command {
  const program = new Command("baobao")
    .description("包保助手运维命令行")
    .helpOption("-h, --help", "显示帮助")
    .helpCommand("help [命令]", "显示某个命令的帮助")
    .showHelpAfterError("（使用 --help 查看用法）")
    .configureOutput({
      writeOut: (s) => ctx.io.out(localiseOutput(s.trimEnd())),
      writeErr: (s) => ctx.io.err(localiseOutput(s.trimEnd())),
    })
    .exitOverride();
  program.configureHelp({ sortSubcommands: true });
  registerCalendarCommands(program, ctx);
  registerDbCommands(program, ctx);
  registerIncidentCommands(program, ctx); // incident ladder (issue 6)
  // Cadence engine (issue 5).
  registerPlanCommand(program, ctx);
  registerPushCommand(program, ctx);
  registerPolicyCommands(program, ctx);
  registerSubjectCommands(program, ctx);
  // The register: cadres and guarantees (issue 12).
  registerCadreCommands(program, ctx);
  registerGuaranteeCommands(program, ctx);
  registerReportCommand(program, ctx);
  registerRosterCommands(program, ctx);
  registerRosterExport(rosterCommand(program), ctx);
  registerRosterWecom(rosterCommand(program), ctx);
  registerVisitsCommands(program, ctx);
  // Chinese usage labels everywhere.
  const localise = (cmd: Command) => {
    cmd.helpOption("-h, --help", "显示帮助");
    cmd.exitOverride();
    cmd.configureOutput({
      writeOut: (s) => ctx.io.out(localiseOutput(s.trimEnd())),
      writeErr: (s) => ctx.io.err(localiseOutput(s.trimEnd())),
    });
    cmd.commands.forEach(localise);
  };
  program.commands.forEach(localise);
  return program;
}

const TRANSLATIONS: [RegExp, string][] = [
  [/^Usage:/gm, "用法："],
  [/^Options:/gm, "选项："],
  [/^Commands:/gm, "命令："],
  [/^Arguments:/gm, "参数："],
  [/\[options\]/g, "[选项]"],
  [/\[command\]/g, "[命令]"],
  [/error: unknown command/g, "错误：未知命令"],
  [/error: unknown option/g, "错误：未知选项"],
  [/error: missing required argument/g, "错误：缺少参数"],
  [/error: option '([^']+)' argument missing/g, "错误：选项 $1 缺少取值"],
  [/error: too many arguments/g, "错误：参数过多"],
  [/\(Did you mean ([^?]+)\?\)/g, "（您是否想输入 $1？）"],
];

/** Commander's built-in words, in Chinese. */
export function localiseOutput(text: string): string {
  return TRANSLATIONS.reduce((t, [re, zh]) => t.replace(re, zh), text);
}

const stdio: CliIo = {
  out: (t) => process.stdout.write(`${t}\n`),
  err: (t) => process.stderr.write(`${t}\n`),
  input: terminalInput,
};

/** Runs the CLI; resolves to the exit code. */
export async function run(
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
  io: CliIo = stdio,
  now: () => Date = () => new Date(),
): Promise<number> {
  const ctx = createCliContext(env, io, now);
  const program = buildProgram(ctx);
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (
        err.code === "commander.helpDisplayed" ||
        err.code === "commander.help" ||
        err.code === "commander.version"
      )
        return 0;
      return err.exitCode || 1;
    }
    if (err instanceof CliError) {
      // An empty message: the command has already reported (e.g. rejected import rows).
      if (err.message) io.err(`错误：${err.message}`);
      return err.exitCode;
    }
    if (err instanceof ConfigError || (err instanceof Error && "code" in err)) {
      io.err(`错误：${err.message}`);
      return 1;
    }
    io.err(`错误：${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
}
