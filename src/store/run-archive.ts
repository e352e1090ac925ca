import path from 'node:path';
import { create } from 'tar';
import type { Run } from './run-store.js';

/**
 * Packs `files` (run-relative, as `Run.listAllFiles` lists them) into a .tar.gz at `file`, outside
 * the run, with entries `<run_id>/<file>`. The same files always give the same bytes: portable
 * headers (owner and group 0, no user names), every mode 0644, every mtime `mtime`, gzip header
 * without time or OS.
 */
export async function writeRunArchive(run: Run, files: readonly string[], file: string, mtime: Date): Promise<void> {
  await create(
    {
      gzip: true,
      file,
      cwd: path.dirname(run.dir),
      portable: true,
      noDirRecurse: true,
      mtime,
      onWriteEntry: (entry) => {
        if (entry.stat) entry.stat.mode = (entry.stat.mode & ~0o7777) | 0o644;
      },
    },
    files.map((name) => `${run.id}/${name}`),
  );
}
