/**
 * Text from a model, a file or a run, made safe to show a person: every character a terminal (or
 * a browser, for bidi) acts on instead of showing is replaced by a visible escape, so no line can
 * erase, overwrite, reorder or hide another. Pure, so the CLI's printing, the Markdown views and
 * the HTML report share one rule and one notation.
 *
 * The notation: `\r` for CR, `\n` for LF where no line break is meant, `\xHH` for the other C0
 * controls, DEL and the C1 controls (U+0080–U+009F), `\uHHHH` for the Unicode bidi controls
 * (U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069). A tab is kept: it only moves the cursor
 * forward, and code is indented with it. A backslash is not escaped, so `\x1b` typed as four
 * characters looks the same as an escaped ESC; the warning about control characters in added
 * lines tells them apart.
 */

/** Every character shown escaped: C0 but tab, DEL, C1 and the bidi controls. */
export const CONTROL_CHARACTERS = /[\x00-\x08\x0a-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r' };

/** The escape that shows one control character. */
export function escapeControl(char: string): string {
  const named = NAMED[char];
  if (named !== undefined) return named;
  const code = char.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** One line of output: every control character escaped, a newline too (a field never spans lines). */
export function visibleLine(text: string): string {
  return text.replace(CONTROL_CHARACTERS, escapeControl);
}

/**
 * Text of several lines (a patch, a summary): line breaks are kept, and so is a CR that ends a
 * line (a file with CRLF line endings), since nothing follows it on that line to hide.
 */
export function visibleText(text: string): string {
  return text.replace(CONTROL_CHARACTERS, (char, offset: number) => {
    if (char === '\n') return char;
    if (char === '\r' && text.charCodeAt(offset + 1) === 10) return char;
    return escapeControl(char);
  });
}

/** The distinct control characters in a line, in the order they first appear, each as its escape. */
export function controlsIn(line: string): string[] {
  const found = new Set<string>();
  for (const match of line.matchAll(CONTROL_CHARACTERS)) found.add(escapeControl(match[0]));
  return [...found];
}
