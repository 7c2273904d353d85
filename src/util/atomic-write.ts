/**
 * Writes a file so that readers see the old file or the whole new one, never half of it: the text
 * goes to a temporary file beside the target, then a rename (atomic on one filesystem) replaces it.
 * (Asynchronous on purpose: creating a file costs the disk a fraction of a millisecond, which would
 * stall every request in flight if it ran on the main thread.)
 */
import { promises as fs } from 'node:fs';
import { join } from 'node:path';

/** `<target>.<pid>.<n>.tmp`: the pid tells whether the writer is still alive. */
const TEMPORARY = /\.(\d+)\.\d+\.tmp$/;
let written = 0;

/**
 * Removes the temporary files a killed process left in `dir` (their writer's pid is no longer running).
 * Returns how many it removed.
 */
export async function removeStaleTemporaryFiles(dir: string): Promise<number> {
  let removed = 0;
  for (const name of await fs.readdir(dir)) {
    const pid = TEMPORARY.exec(name)?.[1];
    if (pid === undefined || isRunning(Number(pid))) continue;
    await fs.rm(join(dir, name), { force: true });
    removed += 1;
  }
  return removed;
}

function isRunning(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function writeFileAtomic(path: string, text: string | Buffer): Promise<void> {
  written += 1;
  const temporary = `${path}.${process.pid}.${written}.tmp`;
  try {
    await fs.writeFile(temporary, text);
    await fs.rename(temporary, path);
  } catch (error) {
    await fs.rm(temporary, { force: true });
    throw error;
  }
}
