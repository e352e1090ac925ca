/**
 * A file as it is at base, split into lines once and indexed once, so locating a hunk costs time
 * in proportion to the hunk, never to the file.
 */
import { isUtf8 } from 'node:buffer';

export interface BaseFile {
  path: string;
  /** Lines without '\n'; a CRLF file's lines keep their '\r', so lines joined give the file back. */
  lines: string[];
  /** Whether the last line ends with '\n' (true for an empty file: nothing lacks a newline). */
  finalNewline: boolean;
  /** What an added line ends with before its '\n': '\r' when every line of the file ends CRLF. */
  eol: '' | '\r';
  /** Each line's key and the positions of each key, per kind of key; built on first use. */
  indexes: Partial<Record<KeyKind, LineIndex>>;
}

/**
 * How lines are compared when exact equality fails. 'trim' ignores whitespace at either end (the
 * drift models cause most: indentation retyped, trailing spaces stripped, a blank line without
 * its marker); 'loose' ignores all whitespace. Both are cheap to index, 'trim' much cheaper.
 */
export type KeyKind = 'trim' | 'loose';

export interface LineIndex {
  keys: string[];
  positions: Map<string, number[]>;
}

export function keyOf(kind: KeyKind, text: string): string {
  return kind === 'trim' ? text.trim() : looseKey(text);
}

/** A line compared "whitespace drift aside": no spaces, tabs, '\r' or other whitespace at all. */
export function looseKey(text: string): string {
  return text.replace(/\s+/g, '');
}

/** The text of a file line as a model would write it: without the '\r' of a CRLF ending. */
export function plain(text: string): string {
  return text.endsWith('\r') ? text.slice(0, -1) : text;
}

export type DecodeResult = { file: BaseFile } | { problem: string };

export function decodeBase(path: string, content: Buffer): DecodeResult {
  if (content.includes(0)) return { problem: 'the base file is binary (it contains NUL bytes); binary files are not patched' };
  if (!isUtf8(content)) return { problem: 'the base file is not valid UTF-8 text; only UTF-8 text files are patched' };
  const text = content.toString('utf8');
  if (text === '') return { file: { path, lines: [], finalNewline: true, eol: '', indexes: {} } };
  const finalNewline = text.endsWith('\n');
  const lines = (finalNewline ? text.slice(0, -1) : text).split('\n');
  // A line without a terminator (the last one, when the file lacks a final newline) says nothing.
  const terminated = finalNewline ? lines.length : lines.length - 1;
  let crlf = terminated > 0 && text.includes('\r\n');
  for (let i = 0; crlf && i < terminated; i++) crlf = (lines[i] as string).endsWith('\r');
  return { file: { path, lines, finalNewline, eol: crlf ? '\r' : '', indexes: {} } };
}

export function lineIndex(file: BaseFile, kind: KeyKind): LineIndex {
  const built = file.indexes[kind];
  if (built) return built;
  const positions = new Map<string, number[]>();
  const keys = new Array<string>(file.lines.length);
  for (let i = 0; i < file.lines.length; i++) {
    const key = keyOf(kind, file.lines[i] as string);
    keys[i] = key;
    const list = positions.get(key);
    if (list) list.push(i);
    else positions.set(key, [i]);
  }
  const index = { keys, positions };
  file.indexes[kind] = index;
  return index;
}

/**
 * Positions of the given 'trim' keys in the file, in one pass over its lines: an index of only the
 * keys the file's hunks want, built once per file for all of them.
 */
export function trimKeyPositions(file: BaseFile, wanted: Iterable<string>): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const key of wanted) out.set(key, []);
  return fillTrimPositions(file, out);
}

/** trimKeyPositions with the keys given as the map to fill (each key mapped to an empty list). */
export function fillTrimPositions(file: BaseFile, out: Map<string, number[]>): Map<string, number[]> {
  const { lines } = file;
  for (let i = 0; i < lines.length; i++) out.get((lines[i] as string).trim())?.push(i);
  return out;
}

/** Positions of the given texts among the file's lines compared exactly ('\r' aside): no allocation per line. */
export function exactPositions(file: BaseFile, wanted: Iterable<string>): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const key of wanted) out.set(key, []);
  return fillExactPositions(file, out);
}

/** exactPositions with the texts given as the map to fill (each text mapped to an empty list). */
export function fillExactPositions(file: BaseFile, out: Map<string, number[]>): Map<string, number[]> {
  const { lines } = file;
  const cr = file.eol === '\r' || lines.some((l) => l.endsWith('\r'));
  for (let i = 0; i < lines.length; i++) out.get(cr ? plain(lines[i] as string) : (lines[i] as string))?.push(i);
  return out;
}

/** The post-image as bytes: lines joined, and a final newline unless the file is empty or lacks one. */
export function joinLines(lines: readonly string[], finalNewline: boolean): Buffer {
  if (lines.length === 0) return Buffer.alloc(0);
  // Encoded straight into a buffer of its size: appending the final '\n' to the joined text first
  // would make V8 copy the whole text once more before encoding it.
  const text = lines.join('\n');
  const size = Buffer.byteLength(text, 'utf8');
  const out = Buffer.allocUnsafeSlow(size + (finalNewline ? 1 : 0));
  out.write(text, 0, 'utf8');
  if (finalNewline) out[size] = 10;
  return out;
}
