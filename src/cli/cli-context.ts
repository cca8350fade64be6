import { type Config, loadConfig } from "../config";
import { type Database, openDatabase } from "../store/database";

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  /** Standard input; absent = none (nothing to read, nobody to ask). */
  input?: CliInput;
}

/** Standard input and the terminal behind it. */
export interface CliInput {
  /** True when a person at a terminal can answer a question. */
  readonly interactive: boolean;
  /** Standard input to its end, as bytes. */
  readAll(): Promise<Buffer>;
  /** Asks on the terminal (the question on stderr); resolves to the answer line, '' at its end. */
  ask(question: string): Promise<string>;
}

export interface CliContext {
  env: NodeJS.ProcessEnv;
  io: CliIo;
  now: () => Date;
  config(): Config;
  /** Opens the configured database; with the embedded one it shares a running server's socket. */
  openDb(): Promise<Database>;
}

export function createCliContext(env: NodeJS.ProcessEnv, io: CliIo, now: () => Date): CliContext {
  let cached: Config | undefined;
  const config = () => {
    cached ??= loadConfig(env);
    return cached;
  };
  return {
    env,
    io,
    now,
    config,
    openDb: () => openDatabase(config(), { shared: true, maxConnections: 4 }),
  };
}
