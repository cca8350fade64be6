import type { Command } from "commander";

/**
 * The `roster` parent command: the one already registered (import, template, match-wecom may
 * register it first), or a new one. Every `roster …` subcommand hangs on this.
 */
export function rosterCommand(program: Command): Command {
  return (
    program.commands.find((c) => c.name() === "roster") ??
    program.command("roster").description("台账：导入、导出、模板、企业微信账号匹配")
  );
}
