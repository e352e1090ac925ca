import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/**
 * diff2html's stylesheet, inlined into every report. Read from the package where the sources run
 * (the tests); the build (scripts/build-cli.mjs) replaces this module by the stylesheet's text, so
 * an installed tool, which has no node_modules of its own, needs no file for it.
 */
export function diff2htmlCss(): string {
  return readFileSync(createRequire(import.meta.url).resolve('diff2html/bundles/css/diff2html.min.css'), 'utf8');
}
