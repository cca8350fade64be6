import fs from "node:fs";
import path from "node:path";
import Mustache from "mustache";

/** Renders the bot's sentences from `templates/*.mustache` (logic-less; no HTML escaping). */
export interface Templates {
  render(name: string, view?: Record<string, unknown>): string;
  has(name: string): boolean;
}

export const TEMPLATES_DIR = path.resolve(__dirname, "..", "..", "templates");

/** Loads every template once, at start: a missing template fails fast, not mid-conversation. */
export function loadTemplates(dir: string = TEMPLATES_DIR): Templates {
  const byName = new Map<string, string>();
  for (const file of fs.readdirSync(dir)) {
    if (!file.endsWith(".mustache")) continue;
    const text = fs.readFileSync(path.join(dir, file), "utf8").replace(/\r\n/g, "\n").replace(/\n+$/, "");
    Mustache.parse(text);
    byName.set(file.slice(0, -".mustache".length), text);
  }
  return {
    has: (name) => byName.has(name),
    render(name, view = {}) {
      const tpl = byName.get(name);
      if (tpl === undefined) throw new Error(`template not found: ${name}`);
      return Mustache.render(tpl, view, {}, { escape: (s: string) => s });
    },
  };
}
