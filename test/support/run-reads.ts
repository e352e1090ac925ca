import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import path from 'node:path';

/** The files under `dir` that `work` reads through readFileSync (relative, '/'), with how often each was read. */
export async function readsOf(dir: string, work: () => Promise<unknown>): Promise<Map<string, number>> {
  const reads = new Map<string, number>();
  const original = fs.readFileSync;
  fs.readFileSync = ((file: fs.PathOrFileDescriptor, ...rest: unknown[]) => {
    if (typeof file === 'string' && file.startsWith(dir + path.sep)) {
      const rel = path.relative(dir, file).split(path.sep).join('/');
      reads.set(rel, (reads.get(rel) ?? 0) + 1);
    }
    return (original as (...args: unknown[]) => unknown)(file, ...rest);
  }) as typeof fs.readFileSync;
  // The store imports readFileSync by name: the binding follows the module's export only once synced.
  syncBuiltinESMExports();
  try {
    await work();
  } finally {
    fs.readFileSync = original;
    syncBuiltinESMExports();
  }
  return reads;
}
