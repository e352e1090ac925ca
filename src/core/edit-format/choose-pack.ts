import path from 'node:path';
import { UsageError } from '../../errors.js';
import { DEFAULT_PACK_DIR } from '../../package-info.js';
import { loadPackFromDir, type Pack } from '../../pack/load-pack.js';
import type { EditFormat } from '../../schema/run-files.js';

/** The shipped pack of each edit format, next to packs/core (docs/edit-formats.md). */
export function shippedPackDir(format: EditFormat): string {
  return format === 'diff' ? DEFAULT_PACK_DIR : path.join(path.dirname(DEFAULT_PACK_DIR), format);
}

/**
 * The pack `init` uses: `--pack DIR` as given; else the shipped pack of `--edit-format`, else
 * packs/core. With both, the pack decides the format, so they must agree: a run records one pack
 * and its format together, never a pack with a format it was not written for.
 */
export function choosePack(cwd: string, packOption: string | undefined, format: EditFormat | undefined): Pack {
  if (packOption === undefined) return loadPackFromDir(shippedPackDir(format ?? 'diff'));
  const pack = loadPackFromDir(path.resolve(cwd, packOption));
  const own = pack.manifest.generation.edit_format ?? 'diff';
  if (format !== undefined && format !== own) {
    throw new UsageError(
      `the pack ${packOption} writes ${own} edits (its generation.edit_format), not ${format}: set generation.edit_format in its manifest.json, or leave out --pack to use the shipped ${format} pack`,
    );
  }
  return pack;
}
