import { displayPath, hunkBody, parseDiff } from './parse.js';
import { controlsIn } from '../visible-text.js';

/** An added line holding control characters: the file, its line number in the new file, and the characters (as escapes). */
export interface ControlFinding {
  file: string;
  line: number;
  characters: string[];
}

/**
 * The added lines of a patch that hold control characters, which a terminal would act on (erase a
 * line, move the cursor, reorder text) instead of showing: a line that hides itself from review.
 * A CR that ends a line is a CRLF line ending, not counted.
 */
export function addedLineControls(patch: string): ControlFinding[] {
  const findings: ControlFinding[] = [];
  for (const { file, line, text } of addedLinesOf(patch)) {
    const characters = controlsIn(text.endsWith('\r') ? text.slice(0, -1) : text);
    if (characters.length > 0) findings.push({ file, line, characters });
  }
  return findings;
}

/** The first added line holding a NUL byte, which makes git take the file for binary. */
export function addedLineWithNul(patch: string): { file: string; line: number } | null {
  if (!patch.includes('\0')) return null;
  for (const added of addedLinesOf(patch)) if (added.text.includes('\0')) return { file: added.file, line: added.line };
  return null;
}

function* addedLinesOf(patch: string): Generator<{ file: string; line: number; text: string }> {
  let parsed;
  try {
    parsed = parseDiff(patch);
  } catch {
    return; // not a diff: it adds no line
  }
  for (const file of parsed.files) {
    for (const hunk of file.hunks) {
      let line = hunk.range?.newStart ?? 0;
      for (const body of hunkBody(parsed, hunk)) {
        if (body.startsWith('+')) yield { file: displayPath(file), line, text: body.slice(1) };
        if (body.startsWith('+') || body.startsWith(' ') || body === '') line++;
      }
    }
  }
}
