import crypto from "node:crypto";

/**
 * Keeps this installation's template card task_ids apart from any earlier installation's.
 *
 * WeCom refuses a task_id an app has used before, for good. Card ids are built from database
 * numbers (`daily-<date>-<cadre>`, `incident-<n>-…`), which start again after a database is
 * wiped or a pilot is reinstalled on the same app: the first emergency card of the new database
 * (`incident-1-s0-c5`) would then be refused. The app channel adds the installation's namespace to
 * every task_id it sends and removes it from the card events it receives, so the bot, the outbox
 * rows and the tests keep the plain ids. An event without the namespace (a card sent before it
 * existed) passes through unchanged.
 */
export interface TaskIdNamespace {
  readonly id: string;
  /** The task_id as sent to WeCom. */
  outbound(taskId: string): string;
  /** The task_id of a received card event as the bot knows it. */
  inbound(taskId: string): string;
}

/** Setting that holds the namespace (created once per database). */
export const TASK_ID_NAMESPACE_SETTING = "wecom.taskIdNamespace";

/** WeCom's limit on a task_id, in bytes (the characters allowed are ASCII). */
export const TASK_ID_MAX_BYTES = 128;

/** Room a namespace takes in a task_id: 8 characters and a dash. */
export const TASK_ID_NAMESPACE_LENGTH = 9;

/** A new random namespace: `n` and 7 base-36 characters. */
export function newTaskIdNamespace(): string {
  const value = crypto.randomBytes(8).readBigUInt64BE() % 36n ** 7n;
  return `n${value.toString(36).padStart(7, "0")}`;
}

export function createTaskIdNamespace(id: string): TaskIdNamespace {
  if (!/^[0-9a-z]{8}$/.test(id)) throw new Error(`task_id 命名空间格式不对：${id}`);
  const prefix = `${id}-`;
  return {
    id,
    outbound: (taskId) => {
      const sent = `${prefix}${taskId}`;
      if (Buffer.byteLength(sent) > TASK_ID_MAX_BYTES)
        throw new Error(`卡片 task_id 超过 ${TASK_ID_MAX_BYTES} 字节：${taskId}`);
      return sent;
    },
    inbound: (taskId) => (taskId.startsWith(prefix) ? taskId.slice(prefix.length) : taskId),
  };
}

/**
 * This database's namespace, created on first use. Two instances starting together agree: the
 * insert is conditional and both read back what was stored.
 */
export async function loadTaskIdNamespace(settings: {
  setIfAbsent(key: string, value: string): Promise<unknown>;
  get<T>(key: string): Promise<T | null>;
}): Promise<TaskIdNamespace> {
  let stored: unknown;
  try {
    stored = await settings.setIfAbsent(TASK_ID_NAMESPACE_SETTING, newTaskIdNamespace());
  } catch (err) {
    // The other instance inserted it between our check and our insert; anything else is an error.
    stored = await settings.get<string>(TASK_ID_NAMESPACE_SETTING);
    if (stored === null) throw err;
  }
  if (typeof stored !== "string") throw new Error(`系统设置 ${TASK_ID_NAMESPACE_SETTING} 不是字符串`);
  return createTaskIdNamespace(stored);
}
