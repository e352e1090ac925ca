import type { ConversionResult, ReadFile } from './types.js';

/** Placeholder until the SEARCH/REPLACE reader lands: refuses every reply, so nothing unconverted passes. */
export function convertSearchReplaceReply(_reply: string, _readFile: ReadFile): ConversionResult {
  return { ok: false, reason: 'search-replace replies cannot be converted yet', steps: [] };
}

export function searchReplaceNames(_reply: string): string[] {
  return [];
}
