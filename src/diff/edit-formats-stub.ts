// TEMPORARY STUB standing in for helper F's src/diff/edit-formats/ until it is merged. Not final.
import { createPatch } from 'diff';

export type EditFormat = 'diff' | 'whole' | 'search-replace';
export interface ConversionStep { fix: string; message: string; path?: string; line?: number }
export type ConversionResult =
  | { ok: true; diff: string; steps: ConversionStep[]; files: string[] }
  | { ok: false; reason: string; path?: string; line?: number; steps: ConversionStep[] };

function fileDiff(path: string, before: string | undefined, after: string | null): string {
  if (after === null) {
    const lines = before!.replace(/\n$/, '').split('\n');
    return `diff --git a/${path} b/${path}\ndeleted file mode 100644\n--- a/${path}\n+++ /dev/null\n@@ -1,${lines.length} +0,0 @@\n${lines.map((l) => '-' + l).join('\n')}\n`;
  }
  if (before === undefined) {
    const lines = after.replace(/\n$/, '').split('\n');
    return `diff --git a/${path} b/${path}\nnew file mode 100644\n--- /dev/null\n+++ b/${path}\n@@ -0,0 +1,${lines.length} @@\n${lines.map((l) => '+' + l).join('\n')}\n`;
  }
  const patch = createPatch(path, before, after, '', '', { context: 3 });
  const body = patch.split('\n').slice(4).join('\n');
  return `diff --git a/${path} b/${path}\n--- a/${path}\n+++ b/${path}\n${body}`;
}

export function convertWholeReply(reply: string, readFile: (path: string) => string | undefined): ConversionResult {
  const lines = reply.split('\n');
  const out: string[] = [];
  const files: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const del = /^DELETE (\S+)$/.exec(lines[i]!);
    if (del) {
      out.push(fileDiff(del[1]!, readFile(del[1]!), null));
      files.push(del[1]!);
      continue;
    }
    if (/^```/.test(lines[i + 1] ?? '') && /^[\w./-]+$/.test(lines[i]!)) {
      const path = lines[i]!;
      const end = lines.indexOf('```', i + 2);
      if (end === -1) return { ok: false, reason: 'the file ends abruptly', path, steps: [] };
      const body = lines.slice(i + 2, end);
      const elided = body.findIndex((l) => /\.\.\. existing code|rest unchanged/.test(l));
      if (elided !== -1) return { ok: false, reason: 'elides part of the file', path, line: elided + 1, steps: [] };
      const before = readFile(path);
      const after = body.join('\n') + '\n';
      if (before !== after) out.push(fileDiff(path, before, after));
      files.push(path);
      i = end;
    }
  }
  if (files.length === 0) return { ok: false, reason: 'no file in the reply', steps: [] };
  return { ok: true, diff: out.join(''), steps: [{ fix: 'stub', message: 'converted by the stub' }], files };
}

export function convertSearchReplaceReply(reply: string, readFile: (path: string) => string | undefined): ConversionResult {
  const re = /^(\S+)\n<<<<<<< SEARCH\n([\s\S]*?)=======\n([\s\S]*?)>>>>>>> REPLACE$/gm;
  const contents = new Map<string, { before: string | undefined; after: string }>();
  for (const m of reply.matchAll(re)) {
    const path = m[1]!;
    const entry = contents.get(path) ?? { before: readFile(path), after: readFile(path) ?? '' };
    if (m[2] === '') entry.after = m[3]!;
    else {
      const at = entry.after.indexOf(m[2]!);
      if (at === -1) return { ok: false, reason: 'SEARCH does not match', path, steps: [] };
      entry.after = entry.after.slice(0, at) + m[3]! + entry.after.slice(at + m[2]!.length);
    }
    contents.set(path, entry);
  }
  if (contents.size === 0) return { ok: false, reason: 'no SEARCH/REPLACE block in the reply', steps: [] };
  const out = [...contents].map(([path, { before, after }]) => fileDiff(path, before, after)).join('');
  return { ok: true, diff: out, steps: [], files: [...contents.keys()] };
}
