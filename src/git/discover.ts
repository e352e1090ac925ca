/**
 * The working tree's top folder found without starting git, for the common case only.
 *
 * Every command first asks where the repository is, and starting a git process costs a command
 * that calls no model about a fifth of its run time. Git finds a repository by walking up from the
 * working directory to the first `.git`; this does the same walk, and answers only where it is
 * certain to give git's answer: a `.git` folder that is a git directory, or a `.git` file pointing
 * to one (linked worktrees, submodules), owned by this user, on the same file system all the way
 * up, with none of the environment variables that change git's search. Anything else (a bare
 * repository, GIT_DIR, a foreign owner that safe.directory may or may not allow, a mount point on
 * the way, a path inside .git) returns null, and git itself is asked.
 */
import { readFileSync, realpathSync, statSync, type Stats } from 'node:fs';
import path from 'node:path';

/** Variables with which git looks elsewhere, or not as far, or not at all. */
const SEARCH_VARIABLES = ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_COMMON_DIR', 'GIT_CEILING_DIRECTORIES', 'GIT_DISCOVERY_ACROSS_FILESYSTEM'];

export function worktreeTopWithoutGit(dir: string, env: NodeJS.ProcessEnv = process.env): string | null {
  if (SEARCH_VARIABLES.some((name) => env[name] !== undefined)) return null;
  let current: string;
  try {
    // git prints the top folder with symbolic links resolved.
    current = realpathSync(dir);
  } catch {
    return null;
  }
  if (current.split(path.sep).includes('.git')) return null;
  const uid = typeof process.getuid === 'function' ? process.getuid() : null;
  let device: number | null = null;
  for (;;) {
    const here = stat(current);
    if (here === null || !here.isDirectory()) return null;
    if (device !== null && here.dev !== device) return null;
    device = here.dev;
    const dotGit = path.join(current, '.git');
    const entry = stat(dotGit);
    if (entry !== null) {
      const gitDir = entry.isDirectory() ? dotGit : entry.isFile() ? linkedGitDir(dotGit) : null;
      if (gitDir === null || !isGitDir(gitDir)) return null;
      if (uid !== null && (here.uid !== uid || stat(gitDir)?.uid !== uid)) return null;
      return current;
    }
    const parent = path.dirname(current);
    if (parent === current) return null;
    current = parent;
  }
}

function stat(file: string): Stats | null {
  try {
    return statSync(file);
  } catch {
    return null;
  }
}

/** The folder a `.git` file's "gitdir: PATH" names, relative to the file's folder; else null. */
function linkedGitDir(dotGitFile: string): string | null {
  let text: string;
  try {
    text = readFileSync(dotGitFile, 'utf8');
  } catch {
    return null;
  }
  const m = /^gitdir: (.+?)\r?\n?$/.exec(text);
  return m ? path.resolve(path.dirname(dotGitFile), m[1]!) : null;
}

/** Git's own test: HEAD a symbolic ref or an object name, and objects/ and refs/ (here or in commondir). */
function isGitDir(dir: string): boolean {
  let head: string;
  try {
    head = readFileSync(path.join(dir, 'HEAD'), 'utf8');
  } catch {
    return false;
  }
  if (!/^(ref: refs\/\S+|[0-9a-f]{40}|[0-9a-f]{64})\r?\n?$/.test(head)) return false;
  let common = dir;
  try {
    common = path.resolve(dir, readFileSync(path.join(dir, 'commondir'), 'utf8').trim());
  } catch {
    // not a linked worktree's git dir: objects/ and refs/ are here
  }
  return stat(path.join(common, 'objects'))?.isDirectory() === true && stat(path.join(common, 'refs'))?.isDirectory() === true;
}
