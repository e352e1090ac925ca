/**
 * Throwaway git repositories for tests. Identity and signing are set locally so tests do not
 * depend on (or break because of) the developer's global git config.
 */
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { runGit } from '../../src/git/run-git.js';

export interface Repo {
  root: string;
  /** The commit made from `files`, or null when asked for no commit. */
  head: string | null;
}

const created: string[] = [];

export async function git(root: string, args: string[], input?: string): Promise<string> {
  const result = await runGit(args, { cwd: root, input });
  if (result.exitCode !== 0) throw new Error(`git ${args.join(' ')} failed: ${result.stderr}`);
  return result.stdout.toString('utf8');
}

export async function writeFiles(root: string, files: Record<string, string>): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), content);
  }
}

export async function makeRepo(files: Record<string, string>, options: { commit?: boolean } = {}): Promise<Repo> {
  // realpath: macOS tmpdir is a symlink and `git rev-parse --show-toplevel` resolves it.
  const root = realpathSync(await mkdtemp(join(tmpdir(), 'llm-orchestrator-test-')));
  created.push(root);
  await git(root, ['init', '-q', '-b', 'main']);
  for (const [key, value] of [
    ['user.name', 'Test User'],
    ['user.email', 'test@example.com'],
    ['commit.gpgsign', 'false'],
  ]) {
    await git(root, ['config', key as string, value as string]);
  }
  await writeFiles(root, files);
  if (options.commit === false) return { root, head: null };
  await git(root, ['add', '-A']);
  await git(root, ['commit', '-q', '--allow-empty', '-m', 'initial']);
  return { root, head: (await git(root, ['rev-parse', 'HEAD'])).trim() };
}

/** Remove every repository made so far; call from an `after` hook. */
export async function removeRepos(): Promise<void> {
  await Promise.all(created.splice(0).map((root) => rm(root, { recursive: true, force: true })));
}
