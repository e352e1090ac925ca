import * as nodeFs from 'node:fs';
import path from 'node:path';
import { OrchestratorError } from '../errors.js';

/**
 * The file-system calls through which the run store writes. The real one is node:fs; a test hands
 * in one whose writes come up short or fail as on a full disk, which no environment variable or
 * mounted file system is needed for.
 */
export interface StoreFs {
  openSync(file: string, flags: string, mode?: number): number;
  writeSync(fd: number, buffer: Uint8Array, offset: number, length: number, position: number): number;
  fstatSync(fd: number): { size: number };
  fsyncSync(fd: number): void;
  ftruncateSync(fd: number, length: number): void;
  closeSync(fd: number): void;
  renameSync(from: string, to: string): void;
  unlinkSync(file: string): void;
}

export const NODE_FS: StoreFs = nodeFs;

/**
 * The device that holds the run is full (or the user's quota is used up). Its own class, so the
 * command can undo what it wrote (see audited) and the person reads one line saying what to do.
 */
export class NoSpaceError extends OrchestratorError {
  constructor(where: string, code: string, options: { cause?: unknown } = {}) {
    const what = code === 'EDQUOT' ? 'the disk quota is used up on the device' : 'no space left on the device';
    super(`${what} holding ${where}: free space and run the same command again`, options);
  }
}

export function isNoSpace(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT';
}

/**
 * A write that made no progress: write(2) returns 0 for a regular file only when nothing more fits,
 * so it is treated as the device being full rather than looped on forever.
 */
function noProgress(): NodeJS.ErrnoException {
  return Object.assign(new Error('ENOSPC: no space left on device, write returned 0'), { code: 'ENOSPC' });
}

/**
 * Writes all of `data` at `position` onward: write(2) may write less than asked (a disk that fills
 * up midway does exactly that, and says ENOSPC only on the next call), so a single call is not a
 * whole write. write-file-atomic 7 makes one call and renames whatever it wrote.
 */
export function writeAll(fs: StoreFs, fd: number, data: Uint8Array, position: number): void {
  for (let done = 0; done < data.length; ) {
    const wrote = fs.writeSync(fd, data, done, data.length - done, position + done);
    if (wrote <= 0) throw noProgress();
    done += wrote;
  }
}

let tmpCounter = 0;

/**
 * The file appears under its name whole or not at all: written to a temporary file next to it,
 * every byte accounted for (each write's count, then the file's size), flushed to the disk, and
 * only then renamed over. On any failure the temporary file is removed and nothing has the name.
 */
export function writeFileWhole(fs: StoreFs, file: string, content: string | Uint8Array): void {
  const data = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${++tmpCounter}.tmp`);
  const fd = fs.openSync(tmp, 'wx', 0o666);
  let open = true;
  try {
    writeAll(fs, fd, data, 0);
    const size = fs.fstatSync(fd).size;
    if (size !== data.length) throw Object.assign(new Error(`wrote ${size} of ${data.length} bytes`), { code: 'EIO' });
    fs.fsyncSync(fd);
    open = false;
    fs.closeSync(fd);
    fs.renameSync(tmp, file);
  } catch (error) {
    if (open) {
      try {
        fs.closeSync(fd);
      } catch {
        // already failing: the first error is the one to report
      }
    }
    try {
      fs.unlinkSync(tmp);
    } catch {
      // never created, or already gone
    }
    throw error;
  }
}
