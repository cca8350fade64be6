/**
 * A failure the operator can act on: printed as is (Chinese), exit code 1 (or `exitCode`). An
 * empty message prints nothing (the command has reported already).
 */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = "CliError";
  }
}
