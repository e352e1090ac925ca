/**
 * A file patch's `index <old>..<new>` line names the blob ids of the file before and after the
 * change. When the old id is the base file's own (the diff was written against exactly this
 * content), the new id names the one file the diff's author ended with. Where the diff's lines
 * leave several readings, the one whose result has that id is that file, and no other can be:
 * a coincidental match of even a 7-digit abbreviation is a 1 in 2^28 chance per reading, and the
 * old id must match first. Nothing else is ever taken from the line: without a matching old id,
 * or when no reading gives the new id, the refusal stands.
 */
import { createHash } from 'node:crypto';
import type { Fix } from '../types.js';
import type { ResolvedPaths } from './resolve-paths.js';
import { exploreReadings } from './readings-choice.js';
import type { RefusalError } from './refusal.js';
import type { ReplyDiff, ReplyFile } from './reply-diff.js';

/** git abbreviates ids to 7 hex digits at least; shorter ones say too little. */
const INDEX_LINE = /^index ([0-9a-f]{7,64})\.\.([0-9a-f]{7,64})(?: [0-7]{6})?$/;
/** Combinations of readings tried per file before giving up (each is one repair of the file). */
const BUDGET = 64;

type Algorithm = 'sha1' | 'sha256';

function blobId(content: Buffer, algorithm: Algorithm): string {
  return createHash(algorithm).update(`blob ${content.length}\0`).update(content).digest('hex');
}

interface Ids {
  line: string;
  newId: string;
  algorithm: Algorithm;
}

/** The index line's ids, when its old id is the base content's under SHA-1 or SHA-256. */
function trustedIds(diff: ReplyDiff, file: ReplyFile, base: Buffer): Ids | null {
  for (const i of file.extended) {
    const line = diff.lines[i]?.text ?? '';
    const m = INDEX_LINE.exec(line);
    if (!m) continue;
    const [, oldId, newId] = m as unknown as [string, string, string];
    for (const algorithm of ['sha1', 'sha256'] as const) {
      if (blobId(base, algorithm).startsWith(oldId) && newId !== oldId) return { line, newId, algorithm };
    }
  }
  return null;
}

/**
 * The repair of the file under the reading whose result the index line names, or null. `attempt`
 * repairs the file once (pushing its fixes to the array it is given); it is run under a chooser
 * for each combination of readings, and only the taken run's fixes are kept. `resultOf` is the
 * new file a repair gives.
 */
export function readingNamedByIndexLine<T>(
  diff: ReplyDiff,
  file: ReplyFile,
  r: ResolvedPaths,
  base: Buffer | null | undefined,
  refusal: RefusalError,
  attempt: (fixes: Fix[]) => T,
  resultOf: (repaired: T) => Buffer | null,
): { repaired: T; fixes: Fix[] } | null {
  if ((r.kind !== 'modify' && r.kind !== 'rename') || !(base instanceof Buffer)) return null;
  const ids = trustedIds(diff, file, base);
  if (ids === null) return null;
  const found = exploreReadings(
    () => {
      const fixes: Fix[] = [];
      return { repaired: attempt(fixes), fixes };
    },
    ({ repaired }) => {
      const content = resultOf(repaired);
      return content !== null && blobId(content, ids.algorithm).startsWith(ids.newId);
    },
    BUDGET,
  );
  if (found === null) return null;
  const { repaired, fixes } = found.result;
  // No fix at all: the diff is taken exactly as written, which is what git would apply, and the
  // index line only confirmed that no line was lost (a repaired diff read again is such a diff).
  if (fixes.length === 0) return { repaired, fixes };
  fixes.push({
    kind: 'index-line-reading',
    file: r.newPath ?? r.oldPath,
    hunk: refusal.refusal.hunk,
    detail: `the diff's lines can be read in more than one way (${refusal.refusal.reason}); its index line names this base file and, as the result, the file one of those readings gives (blob ${ids.newId}): took that reading`,
    before: ids.line,
    after: '',
  });
  return { repaired, fixes };
}

/**
 * Why a repair the diff's lines allowed is not the one its index line names, or null: the line
 * names this base file and a result the repair does not give, so a lost line moved the diff (or
 * changed it) and what the repair took is not what the author wrote. Only for a repair that
 * changed the diff's hunks: a diff taken as written is what git would apply, whatever its index
 * line says.
 */
export function otherResultThanNamed(diff: ReplyDiff, file: ReplyFile, r: ResolvedPaths, base: Buffer | null | undefined, result: Buffer | null | undefined): string | null {
  if ((r.kind !== 'modify' && r.kind !== 'rename') || !(base instanceof Buffer) || !(result instanceof Buffer)) return null;
  const ids = trustedIds(diff, file, base);
  if (ids === null || blobId(result, ids.algorithm).startsWith(ids.newId)) return null;
  return `its index line names this base file and, as the result, blob ${ids.newId}, but the repaired hunks give blob ${blobId(result, ids.algorithm).slice(0, ids.newId.length)}: a line the diff lost makes it fit elsewhere or otherwise; restore the diff's lost lines`;
}

