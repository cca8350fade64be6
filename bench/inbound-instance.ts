/**
 * One more service instance for `BENCH_INSTANCES` in bench/inbound.ts: startServices on the same
 * PostgreSQL database in a worker thread (its own event loop, so it can use another core), as a
 * province runs several instances behind a load balancer. Posts `{ port }` when listening; stops
 * on the message "stop" and posts "stopped".
 */
import os from "node:os";
import { parentPort, workerData } from "node:worker_threads";
import pino from "pino";
import { loadConfig } from "../src/config";
import { startServices } from "../src/main";
import { openDatabase } from "../src/store/database";
import { createIdCipher } from "../src/store/id-cipher";

interface InstanceData {
  databaseUrl: string;
  env: Record<string, string>;
  logLevel: string;
}

async function run() {
  const data = workerData as InstanceData;
  const port = parentPort;
  if (!port) throw new Error("bench/inbound-instance.ts runs in a worker thread");
  const config = loadConfig(data.env);
  const db = await openDatabase({ databaseUrl: data.databaseUrl, dataDir: os.tmpdir() });
  const running = await startServices({
    config,
    db,
    cipher: createIdCipher(Buffer.alloc(32, 7)),
    now: () => new Date(),
    logger: pino({ level: data.logLevel }),
  });
  port.on("message", (m) => {
    if (m !== "stop") return;
    running.stop().then(
      () => port.postMessage("stopped"),
      (err: unknown) => port.postMessage({ error: String(err) }),
    );
  });
  port.postMessage({ port: running.port });
}

run().catch((err: unknown) => {
  parentPort?.postMessage({ error: String((err as Error)?.stack ?? err) });
});
