/**
 * A file's lines as offsets into its text, hashed into a table for the as-written check
 * (as-written.ts), which must find where a run of lines fits without a string per line.
 */
import type { TextLines } from '../line-source.js';

/**
 * The file's lines hashed into a table once, so that where a line occurs is found in time
 * proportional to its occurrences, with no string per line.
 */
export class HashedLines {
  private readonly hash: Int32Array;
  private readonly head: Int32Array;
  private readonly next: Int32Array;
  /** How many lines share each bucket: a hunk is looked up by its rarest line, as exactMatches does. */
  private readonly count: Int32Array;
  private readonly mask: number;

  constructor(private readonly file: TextLines) {
    const n = file.length;
    this.hash = new Int32Array(n);
    for (let line = 0; line < n; line++) this.hash[line] = hashOf(file.text, file.start(line), file.end(line));
    let size = 16;
    while (size < 2 * n) size <<= 1;
    this.mask = size - 1;
    this.head = new Int32Array(size).fill(-1);
    this.count = new Int32Array(size);
    this.next = new Int32Array(n);
    for (let line = n - 1; line >= 0; line--) {
      const b = this.hash[line]! & this.mask;
      this.next[line] = this.head[b]!;
      this.head[b] = line;
      this.count[b]!++;
    }
  }

  /**
   * Every line where the `old` lines from `start` (which fit there) fit, in file order, as
   * placeHunks' exact search finds them; past `most`, one more than that many.
   */
  placesOf(start: number, old: number, most: number): number[] {
    const { hash, mask, count, file } = this;
    let anchor = 0;
    for (let k = 1; k < old; k++) if (count[hash[start + k]! & mask]! < count[hash[start + anchor]! & mask]!) anchor = k;
    const out: number[] = [];
    for (let p = this.head[hash[start + anchor]! & mask]!; p >= 0 && out.length <= most; p = this.next[p]!) {
      const s = p - anchor;
      if (s < 0 || s + old > file.length) continue;
      let all = true;
      for (let k = 0; all && k < old; k++) all = hash[start + k] === hash[s + k] && this.same(start + k, file.text, file.start(s + k), file.end(s + k));
      if (all) out.push(s);
    }
    return out;
  }

  /** Whether `text` from `from` to `to` is a line of the file. */
  has(text: string, from: number, to: number): boolean {
    const h = hashOf(text, from, to);
    for (let p = this.head[h & this.mask]!; p >= 0; p = this.next[p]!) if (this.hash[p] === h && this.same(p, text, from, to)) return true;
    return false;
  }

  private same(line: number, text: string, from: number, to: number): boolean {
    const { file } = this;
    return file.end(line) - file.start(line) === to - from && equalAt(file.text, file.start(line), text, from, to - from);
  }
}

/** FNV-1a over the characters of `text` from `from` to `to`. */
function hashOf(text: string, from: number, to: number): number {
  let h = 0x811c9dc5;
  for (let k = from; k < to; k++) h = Math.imul(h ^ text.charCodeAt(k), 0x01000193);
  return h;
}

/** Whether `length` characters of `x` from `a` are those of `y` from `b`, compared in place. */
export function equalAt(x: string, a: number, y: string, b: number, length: number): boolean {
  for (let k = 0; k < length; k++) if (x.charCodeAt(a + k) !== y.charCodeAt(b + k)) return false;
  return true;
}
