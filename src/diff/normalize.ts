/**
 * From a model's reply to a diff git can be asked about: extract, parse, repair. Pure and total:
 * any input gives a result (ok or not), so callers can record every reply without a try/catch.
 */
import { extractDiff } from './extract.js';
import { DiffParseError, displayPath, parseDiff, toFileChange, type ParsedDiff } from './parse.js';
import { REPAIRS } from './repairs.js';
import type { Fix, NormalizeResult } from './types.js';

export function normalizeReply(reply: string): NormalizeResult {
  const extracted = extractDiff(reply);
  if ('error' in extracted) return failure(extracted.error, '', []);
  const fixes: Fix[] = [...extracted.fixes];
  let text = extracted.diff;
  try {
    let parsed = parseDiff(text);
    for (const { repair } of REPAIRS) {
      const out = repair(parsed);
      if (!out || out.fixes.length === 0) continue;
      fixes.push(...out.fixes);
      text = out.text;
      parsed = parseDiff(text);
    }
    const problem = unrepaired(parsed);
    if (problem) return failure(problem, extracted.notes, fixes);
    return { ok: true, diff: text, notes: extracted.notes, fixes, files: parsed.files.map(toFileChange), error: null };
  } catch (error) {
    if (error instanceof DiffParseError) return failure(error.message, extracted.notes, fixes);
    throw error;
  }
}

/** What no repair could fix and git would reject anyway, worded for the person reviewing. */
function unrepaired(diff: ParsedDiff): string | null {
  for (const file of diff.files) {
    const name = displayPath(file);
    for (const [k, hunk] of file.hunks.entries()) {
      const header = diff.lines[hunk.header] as string;
      if (!hunk.range) {
        return `hunk ${k + 1} of ${name} has a malformed header ${JSON.stringify(header.slice(0, 80))}: expected '@@ -start,count +start,count @@'`;
      }
      if (hunk.oldLines === 0 && hunk.newLines === 0) return `hunk ${k + 1} of ${name} (${JSON.stringify(header.slice(0, 80))}) has no lines`;
    }
    const gitHeader = (diff.lines[file.start] as string).startsWith('diff --git ');
    if (file.hunks.length === 0 && !gitHeader && !file.binary) return `the patch for ${name} has file headers but no hunks`;
  }
  return null;
}

function failure(error: string, notes: string, fixes: Fix[]): NormalizeResult {
  return { ok: false, diff: '', notes, fixes, files: [], error };
}
