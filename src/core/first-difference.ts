/** Where two byte strings first differ, said so a person can find it in an editor. */
export interface FirstDifference {
  /** 0-based byte offset of the first differing byte (the shorter length when one is a prefix of the other). */
  offset: number;
  /** 1-based line and byte column of that offset, counted in the recorded side. */
  line: number;
  column: number;
  /** A few bytes around the offset on each side (UTF-8, lossy at the cut). */
  recorded: string;
  other: string;
}

const EXCERPT = 30;

export function firstDifference(recorded: Buffer, other: Buffer): FirstDifference | null {
  if (recorded.equals(other)) return null;
  let offset = 0;
  const shorter = Math.min(recorded.length, other.length);
  while (offset < shorter && recorded[offset] === other[offset]) offset++;
  // lastIndexOf counts a negative start from the end, so offset 0 is its own case.
  const lineStart = offset === 0 ? 0 : recorded.lastIndexOf(0x0a, offset - 1) + 1;
  let line = 1;
  for (let i = recorded.indexOf(0x0a); i !== -1 && i < offset; i = recorded.indexOf(0x0a, i + 1)) line++;
  const from = Math.max(lineStart, offset - EXCERPT);
  const excerpt = (bytes: Buffer): string => bytes.subarray(from, Math.min(bytes.length, offset + EXCERPT)).toString('utf8');
  return { offset, line, column: offset - lineStart + 1, recorded: excerpt(recorded), other: excerpt(other) };
}

/** "at byte 57 (line 3, column 5): recorded "…", <label> "…"" */
export function describeDifference(diff: FirstDifference, label: string): string {
  return `at byte ${diff.offset} (line ${diff.line}, column ${diff.column}): recorded ${JSON.stringify(diff.recorded)}, ${label} ${JSON.stringify(diff.other)}`;
}
