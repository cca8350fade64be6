import fs from "node:fs";
import readline from "node:readline";
import type { CliInput } from "./cli-context";

/**
 * The process's standard input. Questions are read from standard input while it is open, and
 * from the controlling terminal once it has been read to its end (a notice pasted at the prompt
 * and closed with Ctrl-D can still be confirmed).
 */
export const terminalInput: CliInput = {
  get interactive() {
    return process.stdin.isTTY === true;
  },
  async readAll() {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
    return Buffer.concat(chunks);
  },
  async ask(question) {
    process.stderr.write(question);
    const fromStdin = !process.stdin.readableEnded;
    const input = fromStdin ? process.stdin : fs.createReadStream("/dev/tty");
    const lines = readline.createInterface({ input, terminal: false });
    try {
      return await new Promise<string>((resolve) => {
        lines.once("line", resolve);
        lines.once("close", () => resolve(""));
        input.once("error", () => resolve(""));
      });
    } finally {
      lines.close();
      if (fromStdin) process.stdin.pause();
      else input.destroy();
    }
  },
};
