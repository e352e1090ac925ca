/**
 * A reply's file patches resolved to the repository's paths and grouped by file: a reply with one
 * fenced block per hunk has several patches of the same file, joined here into one.
 */
import type { Fix } from '../types.js';
import type { EngineOptions, FileSource } from './api-types.js';
import { refuse } from './refusal.js';
import { headerFacts, pathCandidates, resolvePaths, type ResolvedPaths } from './resolve-paths.js';
import type { ReplyDiff, ReplyFile, ReplyHunk } from './reply-diff.js';

/** Whether the reply names an existing file only with the repository's folder doubled in front. */
export function repoNameDoubled(diff: ReplyDiff, files: FileSource, repoName: string | null): boolean {
  if (repoName === null || repoName === '') return false;
  return diff.files.some((file) => {
    const f = headerFacts(diff, file);
    return [f.minusName, f.gitNames?.[0]].some((raw) => {
      if (raw === undefined || raw === '/dev/null') return false;
      const [standard, ...rest] = pathCandidates(raw, 'a', repoName);
      return standard !== undefined && files.get(standard) === null && rest.some((c) => standard === `${repoName}/${c}` && files.get(c) instanceof Buffer);
    });
  });
}

export interface Group {
  file: ReplyFile;
  hunks: ReplyHunk[];
  paths: ResolvedPaths;
}

/** Resolve every file patch; patches of the same file (a reply with one block per hunk) are joined. */
export function groupByFile(diff: ReplyDiff, files: FileSource, options: EngineOptions, repoDoubled: boolean, fixes: Fix[]): Group[] {
  const { repoName } = options;
  const groups: Group[] = [];
  /** The group touching each path (old or new side). */
  const byPath = new Map<string, Group>();
  for (const file of diff.files) {
    const pure = diff.pure.get(file) === true;
    const paths = resolvePaths(headerFacts(diff, file), pure, { source: files, repoName, repoDoubled });
    // Every file is resolved before any is repaired, so this refusal comes before any content is read.
    const hidden = paths.oldPath === null ? null : (options.hidden?.(paths.oldPath) ?? null);
    if (hidden !== null) refuse(paths.oldPath, null, hidden);
    const touched = [paths.oldPath, paths.newPath].filter((p): p is string => p !== null);
    const others = touched.map((p) => byPath.get(p)).filter((g): g is Group => g !== undefined);
    const same = others.find((g) => g.paths.oldPath === paths.oldPath && g.paths.newPath === paths.newPath && g.paths.kind === paths.kind);
    const name = paths.newPath ?? paths.oldPath;
    if (others.some((g) => g !== same)) refuse(name, null, 'two file patches of the diff change this path in different ways');
    if (!same) {
      const g: Group = { file, hunks: [...file.hunks], paths };
      groups.push(g);
      for (const p of touched) byPath.set(p, g);
      continue;
    }
    fixes.push({
      kind: 'merge-file-patches',
      file: name,
      hunk: null,
      detail: `the diff has several patches for ${name ?? ''}; their hunks were joined into one file patch`,
      before: diff.lines[file.start]?.text ?? '',
      after: '',
    });
    // Hunks are numbered in the order the model wrote them across the joined patches.
    same.hunks.push(...file.hunks.map((h, k) => ({ ...h, ordinal: same.hunks.length + k + 1 })));
  }
  return groups;
}
