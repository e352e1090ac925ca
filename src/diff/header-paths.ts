/**
 * File names as git writes them in diff headers: C-quoted when they hold unusual bytes, followed
 * by a tab and timestamp in non-git diffs, and ambiguous on `diff --git` lines when they hold
 * spaces. Kept apart from the parser so its line grammar stays readable.
 */

/** A path as written after `--- `, `+++ `, `rename from `: C-quoted, or cut at a tab (timestamps). */
export function headerName(raw: string): string {
  if (raw.startsWith('"')) {
    const q = readQuoted(raw);
    if (q) return q.value;
  }
  const tab = raw.indexOf('\t');
  return (tab >= 0 ? raw.slice(0, tab) : raw).trimEnd();
}

/** Split `a/x b/y` from a `diff --git` line; spaces in unquoted names make this a best guess. */
export function splitGitHeader(rest: string): [string, string] | null {
  if (rest.startsWith('"')) {
    const q = readQuoted(rest);
    if (!q || rest[q.end] !== ' ') return null;
    return [rest.slice(0, q.end), rest.slice(q.end + 1)];
  }
  const quotedSecond = rest.indexOf(' "');
  if (quotedSecond > 0) return [rest.slice(0, quotedSecond), rest.slice(quotedSecond + 1)];
  const half = (rest.length - 1) / 2;
  if (Number.isInteger(half) && rest[half] === ' ') {
    const l = rest.slice(0, half);
    const r = rest.slice(half + 1);
    if (l.slice(l.indexOf('/') + 1) === r.slice(r.indexOf('/') + 1)) return [l, r];
  }
  const b = rest.lastIndexOf(' b/');
  if (b > 0) return [rest.slice(0, b), rest.slice(b + 1)];
  const sp = rest.indexOf(' ');
  return sp > 0 ? [rest.slice(0, sp), rest.slice(sp + 1)] : null;
}

const ESCAPES: Record<string, number> = { a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11, '"': 34, '\\': 92 };

/** Git's C-style quoting: "a/t\303\244st" → a/täst. null when the quote is not closed. */
function readQuoted(s: string): { value: string; end: number } | null {
  const bytes: number[] = [];
  const encoder = new TextEncoder();
  let i = 1;
  while (i < s.length) {
    const c = s[i] as string;
    if (c === '"') return { value: new TextDecoder().decode(new Uint8Array(bytes)), end: i + 1 };
    if (c === '\\') {
      const oct = /^[0-7]{1,3}/.exec(s.slice(i + 1, i + 4));
      if (oct) {
        bytes.push(parseInt(oct[0], 8) & 0xff);
        i += 1 + oct[0].length;
        continue;
      }
      const e = ESCAPES[s[i + 1] ?? ''];
      bytes.push(...(e === undefined ? encoder.encode(s[i + 1] ?? '') : [e]));
      i += 2;
      continue;
    }
    const cp = s.codePointAt(i) as number;
    const ch = String.fromCodePoint(cp);
    bytes.push(...encoder.encode(ch));
    i += ch.length;
  }
  return null;
}
