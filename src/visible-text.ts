/**
 * Text from a model, a file or a run, made safe to show a person: every character a terminal (or
 * a browser, for bidi) acts on instead of showing is replaced by a visible escape, so no line can
 * erase, overwrite, reorder or hide another. Pure, so the CLI's printing, the Markdown views and
 * the HTML report share one rule and one notation.
 *
 * The notation: `\r` for CR, `\n` for LF where no line break is meant, `\t` for a tab in a file
 * name (unsafePathCharacter), `\xHH` for the other C0
 * controls, DEL and the C1 controls (U+0080–U+009F), `\uHHHH` for the Unicode bidi controls
 * (U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069). A tab is kept: it only moves the cursor
 * forward, and code is indented with it. A backslash is not escaped, so `\x1b` typed as four
 * characters looks the same as an escaped ESC; the warning about control characters in added
 * lines tells them apart.
 */

/** Every character shown escaped: C0 but tab, DEL, C1 and the bidi controls. */
export const CONTROL_CHARACTERS = /[\x00-\x08\x0a-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

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

/**
 * What is refused in a file name, wherever a person or a model names one (add-context,
 * remove-context, a plan's file lists, a diff's paths): every character shown escaped, and a tab
 * too, which git quotes in its output and which splits the tool's tab-separated listings. A name
 * that needs escaping to be shown is one a person cannot check by reading it.
 */
const UNSAFE_IN_PATH = /[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

/** The first character of `path` refused in a file name, as its escape (`\x1b`, `\t`, `\u202e`), or null. */
export function unsafePathCharacter(path: string): string | null {
  const found = UNSAFE_IN_PATH.exec(path);
  return found === null ? null : escapeControl(found[0]);
}

/** Why a file name is refused, worded to follow the name (as checkPatchPath's reasons are), or null. */
export function unsafePathReason(path: string): string | null {
  const found = unsafePathCharacter(path);
  return found === null ? null : `holds a control character (${found}) that a terminal or git would act on: file names with one are refused`;
}
