import { listFilesAt } from '../git/list-files.js';
import { packLimits } from '../schema/run-files.js';
import { loadRunPack } from './run-pack.js';
import type { RunSession } from './session.js';

/** The paths at the run's base commit (none for the empty tree), in byte order. */
export function baseFiles(session: RunSession): Promise<string[]> {
  return listFilesAt(session.repoRoot, session.manifest.repository.base_commit);
}

/**
 * What the planner is told of the repository: its paths, one a line, nothing of their content.
 * The pack's limits.repo_files caps the list; the rest is counted, so the model knows the list
 * was cut. How to use the list is the pack's prompt to say, not this text's.
 */
export function repositoryFilesText(session: RunSession, paths: readonly string[]): string {
  const { repo_files } = packLimits(loadRunPack(session.run).manifest);
  return renderFileList(paths, repo_files);
}

export function renderFileList(paths: readonly string[], cap: number): string {
  if (paths.length === 0) return '(no files)';
  const shown = paths.slice(0, cap).map(quotePath);
  if (paths.length > cap) shown.push(`… and ${paths.length - cap} more`);
  return shown.join('\n');
}

/**
 * A path with a line break or another control character is written as a JSON string, as git
 * quotes such names: one path stays one line, and its bytes cannot act on a terminal.
 */
export function quotePath(path: string): string {
  // eslint-disable-next-line no-control-regex
  if (!/[\u0000-\u001f\u007f-\u009f"]/.test(path)) return path;
  // JSON escapes what is below U+0020; C1 controls and DEL it leaves as they are.
  return JSON.stringify(path).replace(/[\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
