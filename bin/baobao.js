#!/usr/bin/env node
// The operator CLI. TypeScript sources run through tsx, as `npm start` does.
require("tsx/cjs");
require("../src/cli/main.ts").run(process.argv).then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`错误：${err && err.message ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
