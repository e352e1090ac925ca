import { closeSync, constants, copyFileSync, existsSync, linkSync, lstatSync, openSync, readFileSync, readSync, rmSync } from 'node:fs';
import path from 'node:path';
import writeFileAtomic from 'write-file-atomic';

/**
 * Files a person asks the tool to write outside any run (`export --out`, `report --out`). The
 * core decides what may be replaced; this edge answers what is there and places a file without
 * ever overwriting one it did not mean to.
 */

/** What is at `out` now: nothing, a regular file, or something else (a folder, a link, a device). */
export function outputTarget(out: string): 'absent' | 'file' | 'other' {
  try {
    return lstatSync(out).isFile() ? 'file' : 'other';
  } catch {
    return 'absent';
  }
}

export function folderExists(out: string): boolean {
  return existsSync(path.dirname(out));
}

/** Whether the first `bytes` bytes of `file`, read as UTF-8, contain `mark`. */
export function fileHeadIncludes(file: string, mark: string, bytes = 1024): boolean {
  const head = Buffer.alloc(bytes);
  const fd = openSync(file, 'r');
  try {
    const read = readSync(fd, head, 0, head.length, 0);
    return head.subarray(0, read).toString('utf8').includes(mark);
  } finally {
    closeSync(fd);
  }
}

/**
 * Puts the finished `partial` at `out` only if nothing is there: a hard link (the file appears
 * whole or not at all), or an exclusive copy on a file system without hard links. False when
 * `out` exists. `partial` is removed either way.
 */
export function placeNew(partial: string, out: string): boolean {
  try {
    linkSync(partial, out);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    try {
      copyFileSync(partial, out, constants.COPYFILE_EXCL);
      return true;
    } catch (copyError) {
      if ((copyError as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw copyError;
    }
  } finally {
    rmSync(partial, { force: true });
  }
}

export function discard(file: string): void {
  rmSync(file, { force: true });
}

export function readOutput(file: string): Buffer {
  return readFileSync(file);
}

/** Writes `text` at `out` atomically (a temporary file renamed over it): a reader sees the old page or the new one. */
export async function replaceOutput(out: string, text: string): Promise<void> {
  await writeFileAtomic(out, text);
}
