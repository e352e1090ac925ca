import { gitFailed, runGit } from './run-git.js';

/**
 * The mode of each of `paths` in `tree` that is there (`100644`, `100755`, `120000`, `160000`, or
 * `040000` for a folder), asked of git once for all of them. Absent paths are left out.
 */
export async function fileModesAt(root: string, tree: string, paths: readonly string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const asked = [...new Set(paths)].filter((p) => p !== '' && !p.includes('\0'));
  if (asked.length === 0) return out;
  // Literal pathspecs: a path like "src/*.ts" from a model must not glob.
  const result = await runGit(['--literal-pathspecs', 'ls-tree', '-z', '--full-tree', tree, '--', ...asked], { cwd: root });
  if (result.exitCode !== 0) throw gitFailed(`cannot list ${tree.slice(0, 12)} in ${root}`, result.stderr);
  const wanted = new Set(asked);
  for (const entry of result.stdout.toString('utf8').split('\0')) {
    const m = /^(\d{6}) \w+ [0-9a-f]+\t(.*)$/s.exec(entry);
    if (m && wanted.has(m[2] as string)) out.set(m[2] as string, m[1] as string);
  }
  return out;
}
