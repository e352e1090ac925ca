/**
 * Which file a file patch changes, and how (modify, add, delete, rename), from headers a model may
 * have written partly: no `diff --git` line, no `---`/`+++` lines, no a/ b/ prefixes, the
 * repository's folder name doubled into the path, a new file without `/dev/null`. The base
 * decides between readings (a path either exists at base or not); when it cannot, we refuse.
 */
import { checkPatchPath } from '../paths.js';
import { headerName, splitGitHeader } from '../header-paths.js';
import type { FileSource } from './api-types.js';
import { refuse } from './refusal.js';
import type { ReplyDiff, ReplyFile } from './reply-diff.js';

export interface HeaderFacts {
  gitNames: [string, string] | null;
  minusName: string | undefined;
  plusName: string | undefined;
  renameFrom: string | undefined;
  renameTo: string | undefined;
  copy: boolean;
  newFileMode: string | undefined;
  deletedFileMode: string | undefined;
  binary: boolean;
}

/** Facts per file patch, read once: the engine asks about every file several times. */
const factsOf = new WeakMap<ReplyFile, HeaderFacts>();

export function headerFacts(diff: ReplyDiff, file: ReplyFile): HeaderFacts {
  let facts = factsOf.get(file);
  if (facts === undefined) {
    facts = readHeaderFacts(diff, file);
    factsOf.set(file, facts);
  }
  return facts;
}

function readHeaderFacts(diff: ReplyDiff, file: ReplyFile): HeaderFacts {
  const text = (i: number | null): string | undefined => (i === null ? undefined : diff.lines[i]?.text);
  const ext = file.extended.map((i) => diff.lines[i]?.text ?? '');
  const after = (prefix: string): string | undefined => {
    const line = ext.find((l) => l.startsWith(prefix));
    return line === undefined ? undefined : line.slice(prefix.length);
  };
  const git = text(file.git);
  const split = git === undefined ? null : splitGitHeader(git.slice('diff --git '.length));
  const minus = text(file.minus);
  const plus = text(file.plus);
  const rename = (p: string): string | undefined => {
    const raw = after(p);
    return raw === undefined ? undefined : headerName(raw);
  };
  return {
    gitNames: split ? [headerName(split[0]), headerName(split[1])] : null,
    minusName: minus === undefined ? undefined : headerName(minus.slice(4)),
    plusName: plus === undefined ? undefined : headerName(plus.slice(4)),
    renameFrom: rename('rename from ') ?? rename('copy from '),
    renameTo: rename('rename to ') ?? rename('copy to '),
    copy: ext.some((l) => l.startsWith('copy from ') || l.startsWith('copy to ')),
    newFileMode: after('new file mode '),
    deletedFileMode: after('deleted file mode '),
    binary: ext.some((l) => l === 'GIT binary patch' || /^Binary files .* differ$/.test(l)),
  };
}

/** The name a person would use for the file before it is resolved (for refusals). */
export function roughName(f: HeaderFacts): string {
  const pick = [f.plusName, f.minusName, f.gitNames?.[1], f.gitNames?.[0]].find((n) => n !== undefined && n !== '/dev/null');
  return pick === undefined ? '(unnamed file)' : pick.replace(/^[ab]\//, '');
}

/**
 * Paths a header name may stand for, most likely first: without its a/ or b/ prefix (as git
 * reads it), without a doubled repository folder, and, for a name without the prefix, the name
 * itself. Unsafe paths are left out: they are never read or written.
 */
export function pathCandidates(raw: string, side: 'a' | 'b', repoName: string | null): string[] {
  const prefixed = raw.startsWith(`${side}/`);
  const standard = prefixed ? raw.slice(2) : raw;
  const out: string[] = [];
  const add = (p: string): void => {
    if (!out.includes(p) && checkPatchPath(p) === null) out.push(p);
    if (repoName && repoName !== '' && p.startsWith(`${repoName}/`)) {
      const inner = p.slice(repoName.length + 1);
      if (!out.includes(inner) && checkPatchPath(inner) === null) out.push(inner);
    }
  };
  add(standard);
  if (prefixed) add(raw);
  return out;
}

export interface ResolvedPaths {
  kind: 'modify' | 'add' | 'delete' | 'rename';
  oldPath: string | null;
  newPath: string | null;
  /** A name was written without its a/ or b/ prefix and had to be read as it stands. */
  prefixMissing: boolean;
  /** The repository's folder name was removed from the front of the path. */
  repoStripped: boolean;
}

export interface ResolveContext {
  source: FileSource;
  repoName: string | null;
  /** Another file of the reply was found only without the doubled folder name. */
  repoDoubled: boolean;
}

type Existence = 'exists' | 'absent' | 'unknown';

function existence(source: FileSource, path: string): Existence {
  const v = source.get(path);
  return v === undefined ? 'unknown' : v === null ? 'absent' : 'exists';
}

export function resolvePaths(f: HeaderFacts, pureAdditions: boolean, ctx: ResolveContext): ResolvedPaths {
  const name = roughName(f);
  if (f.binary) refuse(name, null, 'the diff is a binary patch; binary changes are not repaired or applied');
  if (f.copy) refuse(name, null, "the diff copies a file ('copy from'/'copy to'); copies are not supported, write the new file as an added file");
  const oldRaw = f.minusName ?? f.gitNames?.[0];
  const newRaw = f.plusName ?? f.gitNames?.[1];
  if (oldRaw === undefined || newRaw === undefined) refuse(name, null, "the file patch names no file: it needs 'diff --git a/<path> b/<path>' or '--- a/<path>' and '+++ b/<path>' lines");
  const isAdd = oldRaw === '/dev/null' || f.newFileMode !== undefined;
  const isDelete = newRaw === '/dev/null' || f.deletedFileMode !== undefined;
  const isRename = f.renameFrom !== undefined || f.renameTo !== undefined;
  if (isAdd && isDelete) refuse(name, null, 'the file patch both creates and deletes the file');
  if (isRename) return resolveRename(f, name, isAdd || isDelete, ctx);

  const prefixMissing = (raw: string, side: 'a' | 'b'): boolean => raw !== '/dev/null' && !raw.startsWith(`${side}/`);
  const missing = prefixMissing(oldRaw, 'a') || prefixMissing(newRaw, 'b');
  if (isDelete) {
    const found = findExisting(pathCandidates(oldRaw === '/dev/null' ? newRaw : oldRaw, 'a', ctx.repoName), ctx, name);
    if (!found) refuse(name, null, 'the diff deletes a file that does not exist at base');
    return { kind: 'delete', oldPath: found.path, newPath: null, prefixMissing: missing, repoStripped: found.repoStripped };
  }
  if (isAdd) return resolveAdd(newRaw === '/dev/null' ? oldRaw : newRaw, name, missing, ctx);

  const oldCands = pathCandidates(oldRaw, 'a', ctx.repoName);
  const newCands = pathCandidates(newRaw, 'b', ctx.repoName);
  const found = findExisting(oldCands, ctx, name);
  if (!found) {
    if (pureAdditions) return resolveAdd(newRaw, name, missing, ctx);
    refuse(name, null, `${oldCands[0] ?? oldRaw} does not exist at base, and the diff has context or removed lines for it`);
  }
  if (!newCands.includes(found.path)) {
    refuse(name, null, `the old and new names differ (${oldRaw} and ${newRaw}) without 'rename from'/'rename to' lines; write a rename with those lines, or the same path on both sides`);
  }
  return { kind: 'modify', oldPath: found.path, newPath: found.path, prefixMissing: missing, repoStripped: found.repoStripped };
}

/** The first candidate that exists at base. Only the first (git's reading) must have been fetched. */
function findExisting(cands: string[], ctx: ResolveContext, name: string): { path: string; repoStripped: boolean } | null {
  for (const [k, path] of cands.entries()) {
    const e = existence(ctx.source, path);
    if (e === 'exists') return { path, repoStripped: k > 0 && isRepoStripped(cands, k, ctx.repoName) };
    if (e === 'unknown' && k === 0) refuse(name, null, `the base content of ${path} was not provided to the engine (filesNeeded lists it)`);
  }
  return null;
}

function isRepoStripped(cands: string[], k: number, repoName: string | null): boolean {
  return repoName !== null && cands.slice(0, k).some((c) => c === `${repoName}/${cands[k]}`);
}

function resolveAdd(raw: string, name: string, prefixMissing: boolean, ctx: ResolveContext): ResolvedPaths {
  const cands = pathCandidates(raw, 'b', ctx.repoName);
  const standard = cands[0];
  if (standard === undefined) refuse(name, null, `the new file's path ${JSON.stringify(raw)} is not a safe repository-relative path`);
  // A new file's folder cannot be checked against the base (only files can), so the doubled
  // folder name is removed only when the reply doubled it for a file that does exist.
  const stripped = ctx.repoDoubled && ctx.repoName !== null && standard.startsWith(`${ctx.repoName}/`) ? cands[1] : undefined;
  const path = stripped ?? standard;
  if (existence(ctx.source, path) === 'exists') refuse(path, null, 'the diff creates this file, but it already exists at base');
  return { kind: 'add', oldPath: null, newPath: path, prefixMissing, repoStripped: stripped !== undefined };
}

/** Renames are kept as the model wrote them, so they must be complete and consistent. */
function resolveRename(f: HeaderFacts, name: string, alsoAddOrDelete: boolean, ctx: ResolveContext): ResolvedPaths {
  const from = f.renameFrom;
  const to = f.renameTo;
  if (alsoAddOrDelete || from === undefined || to === undefined) {
    refuse(name, null, "the rename is incomplete: it needs both 'rename from' and 'rename to' lines and no new/deleted file mode");
  }
  // The other header lines must name the same two paths (with or without their a/ b/ prefixes,
  // which the rewritten header gets back).
  const same = (raw: string | undefined, side: 'a' | 'b', path: string): boolean => raw === undefined || raw === `${side}/${path}` || raw === path;
  if (!same(f.gitNames?.[0], 'a', from) || !same(f.gitNames?.[1], 'b', to) || !same(f.minusName, 'a', from) || !same(f.plusName, 'b', to)) {
    refuse(name, null, `the rename's header lines do not all name ${from} → ${to}`);
  }
  const prefixMissing = [f.gitNames?.[0], f.minusName].some((raw) => raw === from) || [f.gitNames?.[1], f.plusName].some((raw) => raw === to);
  for (const p of [from, to]) {
    const reason = checkPatchPath(p);
    if (reason) refuse(name, null, `the rename path ${p} ${reason}`);
  }
  const old = existence(ctx.source, from);
  if (old === 'unknown') refuse(name, null, `the base content of ${from} was not provided to the engine (filesNeeded lists it)`);
  if (old === 'absent') refuse(name, null, `the diff renames ${from}, which does not exist at base`);
  if (existence(ctx.source, to) === 'exists') refuse(name, null, `the diff renames ${from} to ${to}, which already exists at base`);
  return { kind: 'rename', oldPath: from, newPath: to, prefixMissing, repoStripped: false };
}
