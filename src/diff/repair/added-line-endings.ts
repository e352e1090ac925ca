/**
 * What each added line ends with before its '\n'. Added lines are what the model wrote, so a
 * '\r' it wrote is kept — a clean `git diff` of a file that mixes line endings must pass through
 * unchanged — except where the '\r' says nothing about the line:
 * - the reply's own headers for this file end in '\r': the whole reply went through something that
 *   wrote CRLF, so its '\r's are transport, not content; added lines then follow the file;
 * - every line of the base file ends CRLF and no added line of this file carries '\r': the model
 *   wrote the lines without the endings it cannot see; they get the file's CRLF (logged).
 */
import type { BaseFile } from './base-file.js';
import type { AddOp, PlacedHunk } from './hunk-ops.js';
import type { DiffLine, ReplyFile, ReplyHunk } from './reply-diff.js';

export type AddedEnding = (op: AddOp) => '' | '\r';

export function addedLineEnding(base: BaseFile, file: ReplyFile, hunks: readonly ReplyHunk[], placed: readonly PlacedHunk[], lines: readonly DiffLine[]): AddedEnding {
  const headers = [file.git, file.minus, file.plus, ...hunks.map((h) => h.header)];
  const transport = headers.some((i) => i !== null && lines[i]?.cr === true);
  const wroteCr = (op: AddOp): boolean => (op.from === null ? op.fileCr === true : lines[op.from.index]?.cr === true);
  const anyCr = !transport && placed.some((h) => h.ops.some((op) => op.kind === 'added' && op.from !== null && wroteCr(op)));
  if (transport || !anyCr) {
    const eol = base.eol;
    return (op) => (op.noEol ? '' : eol);
  }
  return (op) => (wroteCr(op) ? '\r' : '');
}
