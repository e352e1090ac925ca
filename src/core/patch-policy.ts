import type { GitMemo } from '../git/memo.js';
import { pathKinds } from '../git/tree-paths.js';
import { addedLineWithNul } from '../diff/added-controls.js';

/**
 * What a patch may do, enforced on the model's output whatever its prompt said: text changes to
 * regular files inside the repository. Path syntax (`..`, absolute, `.git/`) is checked by
 * checkPatchPath; this adds what needs the raw reply or the state tree.
 */

/** Markers a text-only, mode-preserving patch never has, looked for at the start of any line of the reply. */
const RAW_MARKERS: Array<[RegExp, string]> = [
  [/^GIT binary patch\s*$/m, 'is a binary patch (GIT binary patch): only text changes are accepted'],
  [/^Binary files .* differ\s*$/m, 'changes a binary file (Binary files … differ): only text changes are accepted'],
  [/^(old|new) mode [0-7]{6}\s*$/m, 'changes a file mode (old mode/new mode): mode changes are not accepted'],
  [/^(new|deleted) file mode (?!100644\s*$)[0-7]{6}\s*$/m, 'creates or deletes a file with a mode other than 100644 (an executable, a symlink or a submodule): not accepted'],
  // 100755 on an index line keeps an executable's mode (checked against the tree by keptModeRefusal).
  [/^index [0-9a-f]+\.\.[0-9a-f]+ (?!100644\s*$|100755\s*$)[0-7]{6}\s*$/m, 'touches an entry whose mode is neither 100644 nor 100755 (a symlink or a submodule): not accepted'],
  [/^[-+ ]?Subproject commit [0-9a-f]+/m, 'changes a submodule (Subproject commit): not accepted'],
];

/**
 * The start of every line any RAW_MARKERS pattern could match (where '^' matches in multiline
 * mode: the text's start, or after '\n', '\r', U+2028 or U+2029, as there), so a large reply is
 * scanned once rather than once per marker. Each pattern only ever matches within one line, so
 * testing it on those lines (group 1) alone finds the same. The line terminator is matched rather
 * than '^' with the m flag, which V8 scans for about 2.5 times as fast.
 */
const MARKER_LINE = /(?:^|[\n\r\u2028\u2029])((?:GIT binary patch|Binary files |(?:old|new) mode |(?:new|deleted) file mode |index [0-9a-f]+\.\.[0-9a-f]+ |[-+ ]?Subproject commit )[^\n\r\u2028\u2029]*)/g;

/** Why the raw reply is refused, or null. */
export function rawReplyRefusal(reply: string): string | null {
  const lines = Array.from(reply.matchAll(MARKER_LINE), (m) => m[1]!);
  if (lines.length === 0) return null;
  // In the markers' order: the first that matches anywhere is the reason, as with one search each.
  for (const [pattern, why] of RAW_MARKERS) if (lines.some((line) => pattern.test(line))) return `the patch ${why}`;
  return null;
}

/** The lines that matter to executableIndexPaths, found without splitting the patch into lines. */
const HEADER_OR_EXECUTABLE = /^(?:diff --git .*|index [0-9a-f]+\.\.[0-9a-f]+ 100755[ \t\r]*)$/gm;
const DIFF_GIT = /^diff --git a\/(\S+) b\/(\S+)[ \t\r]*$/;

/**
 * The old paths of the file patches in `text` that carry git's `index <a>..<b> 100755` line: a
 * clean `git diff` of an executable file that stays executable. Null when such a line follows no
 * `diff --git a/<path> b/<path>` header, so nothing says which file it is about.
 */
export function executableIndexPaths(text: string): string[] | null {
  const out: string[] = [];
  // Most patches have no such line; a 5 MB patch is not searched line by line to find that out.
  if (!text.includes(' 100755')) return out;
  let current: string | null = null;
  for (const [line] of text.matchAll(HEADER_OR_EXECUTABLE)) {
    if (line.startsWith('diff --git ')) current = DIFF_GIT.exec(line)?.[1] ?? null;
    else if (current === null) return null;
    else out.push(current);
  }
  return out;
}

/**
 * Why a patch's `index … 100755` lines are refused, or null. Such a line says the file is and stays
 * executable, so it is accepted only for a file that is `100755` in the tree the patch applies to.
 * `found`: executableIndexPaths of each text looked at; `modes`: each path's mode in that tree. A
 * new executable, or a mode change, is refused by rawReplyRefusal.
 */
export function keptModeRefusal(found: ReadonlyArray<readonly string[] | null>, modes: ReadonlyMap<string, string>): string | null {
  for (const paths of found) {
    if (paths === null) return 'the patch has an `index … 100755` line that belongs to no `diff --git` header, so which file it makes executable cannot be told: not accepted';
    for (const p of paths) {
      const mode = modes.get(p);
      if (mode !== '100755') return `the patch says ${p} is executable (index … 100755), but it is ${mode === undefined ? 'not in the repository at base' : `mode ${mode} there`}: mode changes are not accepted`;
    }
  }
  return null;
}

/**
 * Why touching `file` at `tree` is refused, or null: a path through a symlinked folder (which may
 * lead out of the repository), a symlink itself, or a submodule.
 */
export async function treePathRefusal(repoRoot: string, tree: string, file: string, memo: GitMemo): Promise<string | null> {
  const parts = file.split('/');
  const parents = parts.slice(0, -1).map((_, i) => parts.slice(0, i + 1).join('/'));
  // Read from the tree objects through the memo (the tree may be one verify made in process).
  const kinds = await pathKinds(repoRoot, tree, [...parents, file], memo);
  for (const parent of parents) {
    const kind = kinds.get(parent) ?? null;
    if (kind === 'symlink') return `${file} goes through ${parent}, a symbolic link (it may lead outside the repository): not accepted`;
    if (kind === 'submodule') return `${file} is inside the submodule ${parent}: submodules are not changed`;
    if (kind !== 'dir') break; // the rest of the path does not exist yet
  }
  const kind = kinds.get(file) ?? null;
  if (kind === 'symlink') return `${file} is a symbolic link: only regular files are changed`;
  if (kind === 'submodule') return `${file} is a submodule: submodules are not changed`;
  return null;
}

/**
 * Why a patch adding a NUL byte is refused, or null: git takes a file holding one for binary, and
 * only text changes are accepted (as for a binary patch).
 */
export function nulByteRefusal(patch: string): string | null {
  const found = addedLineWithNul(patch);
  return found === null ? null : `the patch adds a NUL byte (${found.file} line ${found.line}), which makes the file binary: only text changes are accepted`;
}
