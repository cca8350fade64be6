import fs from "node:fs";
import path from "node:path";
import { CliError } from "./cli-error";

/**
 * A writable output file for `option`: its directory must exist and be writable (we do not create
 * directories silently) and the name must not be a directory; with `ext`, it must end so.
 */
export function checkOutputPath(file: string, option: string, ext?: string): string {
  const resolved = path.resolve(file);
  const dir = path.dirname(resolved);
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    throw new CliError(`${option} 的目录不存在：${dir}`);
  }
  if (fs.existsSync(resolved) && fs.statSync(resolved).isDirectory()) {
    throw new CliError(`${option} 应为文件名，而 ${resolved} 是目录。`);
  }
  try {
    fs.accessSync(dir, fs.constants.W_OK);
    if (fs.existsSync(resolved)) fs.accessSync(resolved, fs.constants.W_OK);
  } catch {
    throw new CliError(`没有写入权限：${resolved}`);
  }
  if (ext && !resolved.toLowerCase().endsWith(ext)) {
    throw new CliError(`${option} 应为 ${ext} 文件：${file}`);
  }
  return resolved;
}

/**
 * Writes `file` through a temporary name beside it: `write` fills the temporary file, `commit`
 * runs (e.g. the audit entry) and only then is the file renamed into place; on any failure the
 * temporary file is removed and nothing is left under `file`.
 */
export async function writeThroughTemp<T>(
  file: string,
  write: (tmp: string) => Promise<T>,
  commit: (result: T) => Promise<void>,
): Promise<T> {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  try {
    const result = await write(tmp);
    await commit(result);
    fs.renameSync(tmp, file);
    return result;
  } catch (err) {
    removeFile(tmp);
    if (err instanceof CliError) throw err;
    const { code, syscall } = err as NodeJS.ErrnoException;
    // File-system errors carry the system call; database and other errors do not.
    if (syscall !== undefined && code !== undefined) {
      throw new CliError(`无法写入 ${file}：${FS_ERRORS[code] ?? code}`);
    }
    throw err;
  }
}

const FS_ERRORS: Readonly<Record<string, string>> = {
  EACCES: "没有写入权限",
  EPERM: "没有写入权限",
  EROFS: "只读文件系统，没有写入权限",
  ENOSPC: "磁盘空间不足",
  EISDIR: "临时文件名已被目录占用",
  ENOENT: "目录不存在",
};

/** Removes `file` if it is a file (a failed write's leftovers); never a directory. */
function removeFile(file: string): void {
  try {
    if (fs.lstatSync(file).isFile()) fs.rmSync(file);
  } catch {
    // Nothing there.
  }
}
