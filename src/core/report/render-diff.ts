import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { LineMatchingType } from 'diff2html/lib/types.js';

export interface DiffRenderer {
  /** diff2html's stylesheet, inlined into the report so it needs no other file. */
  css: string;
  /** A unified diff as side-by-side HTML; diff2html escapes every line and file name itself. */
  sideBySide(diff: string): string;
}

/**
 * diff2html is only loaded by `report`, on demand, so every other command starts without it
 * (and a bundler can leave it out of the start-up path).
 */
export async function loadDiffRenderer(): Promise<DiffRenderer> {
  const { html } = await import('diff2html');
  const css = readFileSync(createRequire(import.meta.url).resolve('diff2html/bundles/css/diff2html.min.css'), 'utf8');
  return {
    css,
    sideBySide: (diff) =>
      html(diff, {
        outputFormat: 'side-by-side',
        drawFileList: false,
        // Pairs changed lines so the words that changed are marked, as a reviewer reads them.
        matching: 'lines' as LineMatchingType,
      }),
  };
}
