/**
 * Writes a file so that readers see the old file or the whole new one, never half of it: the text
 * goes to a temporary file beside the target, then a rename (atomic on one filesystem) replaces it.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';

export async function writeFileAtomic(path: string, text: string): Promise<void> {
  const temporary = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await fs.writeFile(temporary, text);
    await fs.rename(temporary, path);
  } catch (error) {
    await fs.rm(temporary, { force: true });
    throw error;
  }
}
