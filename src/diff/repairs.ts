/**
 * Named repairs of a parsed diff. Each is a small function that either leaves the diff alone
 * (null) or returns the new text and the fixes it made; normalize re-parses after each one, so a
 * repair may assume fresh line indexes and never has to patch up another repair's bookkeeping.
 * Add a repair by writing a function and listing it in REPAIRS, in the order it must run.
 */
import { displayPath, formatDiff, type HunkRange, type ParsedDiff } from './parse.js';
import type { Fix } from './types.js';

export type Repair = (diff: ParsedDiff) => { text: string; fixes: Fix[] } | null;

export function formatHunkHeader(range: HunkRange, section: string): string {
  const side = (start: number, count: number, given: boolean): string => (count === 1 && !given ? `${start}` : `${start},${count}`);
  return `@@ -${side(range.oldStart, range.oldCount, range.oldCountGiven)} +${side(range.newStart, range.newCount, range.newCountGiven)} @@${section}`;
}

/**
 * Models miscount hunk lines all the time. Wrong counts make git reject the patch, or worse:
 * counts too low on the last hunk make `git apply` silently drop the extra '+' lines.
 */
export const recountHunks: Repair = (diff) => {
  const lines = [...diff.lines];
  const fixes: Fix[] = [];
  for (const file of diff.files) {
    file.hunks.forEach((hunk, k) => {
      const r = hunk.range;
      if (!r || (hunk.oldLines === 0 && hunk.newLines === 0)) return;
      if (r.oldCount === hunk.oldLines && r.newCount === hunk.newLines) return;
      const before = lines[hunk.header] as string;
      const after = formatHunkHeader({ ...r, oldCount: hunk.oldLines, newCount: hunk.newLines }, hunk.section);
      lines[hunk.header] = after;
      fixes.push({
        kind: 'recount-hunk',
        file: displayPath(file),
        hunk: k + 1,
        detail: `the header counted ${r.oldCount} old / ${r.newCount} new lines but the hunk has ${hunk.oldLines} / ${hunk.newLines}; recounted`,
        before,
        after,
      });
    });
  }
  return fixes.length > 0 ? { text: formatDiff(lines, diff.finalNewline), fixes } : null;
};

/** git rejects a patch whose last line is not newline-terminated ("corrupt patch"). */
export const addTrailingNewline: Repair = (diff) => {
  if (diff.finalNewline || diff.lines.length === 0) return null;
  const last = diff.lines[diff.lines.length - 1] as string;
  return {
    text: formatDiff(diff.lines, true),
    fixes: [{ kind: 'trailing-newline', file: null, hunk: null, detail: 'the diff did not end with a newline; added one', before: last, after: `${last}\n` }],
  };
};

export const REPAIRS: ReadonlyArray<{ name: string; repair: Repair }> = [
  { name: 'recount-hunk', repair: recountHunks },
  { name: 'trailing-newline', repair: addTrailingNewline },
];
