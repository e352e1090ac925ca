/**
 * Edit formats other than the unified diff, converted to one. Pure functions over text: the
 * caller reads the state tree (base + approved patches) and validates the diff with the same
 * pipeline as a diff reply (repair-and-validate), which passes it through with no fixes.
 */
import { convertSearchReplaceReply, searchReplaceNames } from './search-replace.js';
import { convertWholeReply, wholeReplyNames } from './whole.js';
import type { ConversionOptions, ConversionResult, EditFormat, ReadFile } from './types.js';

export type { ConversionOptions, ConversionResult, ConversionStep, EditFormat, ReadFile } from './types.js';
export { EDIT_FORMATS } from './types.js';
export { convertWholeReply } from './whole.js';
export { convertSearchReplaceReply } from './search-replace.js';

/**
 * Every path the conversion of `reply` may ask readFile about: the names the reply gives and their
 * forms without a ./ or a/ b/ prefix. A caller that reads files in bulk fetches these first; the
 * conversion asks about no other path.
 */
export function replyPathsNeeded(format: Exclude<EditFormat, 'diff'>, reply: string): string[] {
  const names = format === 'whole' ? wholeReplyNames(reply) : searchReplaceNames(reply);
  const out = new Set<string>();
  for (const name of names) {
    let p = name;
    while (p.startsWith('./')) p = p.slice(2);
    out.add(p);
    if (/^[ab]\//.test(p)) out.add(p.slice(2));
  }
  return [...out].sort();
}

export function convertReply(format: Exclude<EditFormat, 'diff'>, reply: string, readFile: ReadFile, options: ConversionOptions = {}): ConversionResult {
  return format === 'whole' ? convertWholeReply(reply, readFile, options) : convertSearchReplaceReply(reply, readFile, options);
}
