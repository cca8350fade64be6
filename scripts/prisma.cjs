#!/usr/bin/env node
/**
 * Runs the Prisma CLI offline. Prisma 6.19 only detects the Rust-free client (and so skips
 * downloading a query engine, which it cannot reach here) when the datasource URL resolves, so a
 * placeholder is supplied when DATABASE_URL is unset. The placeholder is never connected to:
 * prisma.config.ts ignores it and uses BAOBAO_MIGRATE_URL instead.
 */
const { spawnSync } = require("node:child_process");
const path = require("node:path");

const env = { ...process.env };
if (!env.DATABASE_URL) {
  env.DATABASE_URL = "postgresql://placeholder@localhost/placeholder";
  env.BAOBAO_PRISMA_PLACEHOLDER = "1";
}
const cli = require.resolve("prisma/build/index.js", { paths: [path.join(__dirname, "..")] });
const res = spawnSync(process.execPath, [cli, ...process.argv.slice(2)], { stdio: "inherit", env });
process.exit(res.status ?? 1);
