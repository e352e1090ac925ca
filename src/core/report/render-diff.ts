import type { LineMatchingType } from 'diff2html/lib/types.js';
import { diff2htmlCss } from '../../files/diff2html-css.js';

export interface DiffRenderer {
  /** diff2html's stylesheet, inlined into the report so it needs no other file. */
  css: string;
  /**
   * A unified diff as side-by-side HTML; diff2html escapes every line and file name itself. Its
   * ids are `<scope>-file-N`: diff2html's own come from a short hash of the file name, so two
   * patches of one page that change the same file (or two names that hash alike) would share one.
   */
  sideBySide(diff: string, scope: string): string;
}

/**
 * diff2html is only loaded by `report`, on demand, so every other command starts without it
 * (and a bundler can leave it out of the start-up path).
 */
export async function loadDiffRenderer(): Promise<DiffRenderer> {
  const { html } = await import('diff2html');
  return {
    css: diff2htmlCss(),
    sideBySide: (diff, scope) => {
      const page = html(diff, {
        outputFormat: 'side-by-side',
        drawFileList: false,
        // Pairs changed lines so the words that changed are marked, as a reviewer reads them.
        matching: 'lines' as LineMatchingType,
      });
      // Without the file list nothing links to these ids, so they can be renumbered freely.
      let file = 0;
      return page.replace(/<div id="d2h-[-0-9]*"/g, () => `<div id="${scope}-file-${++file}"`);
    },
  };
}
