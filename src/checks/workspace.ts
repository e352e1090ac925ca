import { lstatSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * The throwaway folder checks run in: made under the system's temporary folder (never inside the
 * repository, never a worktree git knows of) and removed by `dispose`, or by an exit hook when
 * the process ends first (a second Ctrl-C exits at once).
 */
export interface Workspace {
  readonly top: string;
  /** A new empty folder `name` in the workspace. */
  folder(name: string): string;
  dispose(): void;
}

const live = new Set<string>();
let exitHook = false;

export function createWorkspace(): Workspace {
  const top = mkdtempSync(path.join(tmpdir(), 'llm-orchestrator-checks-'));
  live.add(top);
  if (!exitHook) {
    exitHook = true;
    process.on('exit', () => {
      for (const item of live) rmSync(item, { recursive: true, force: true });
    });
  }
  return {
    top,
    folder: (name) => {
      const dir = path.join(top, name);
      mkdirSync(dir);
      return dir;
    },
    dispose: () => {
      rmSync(top, { recursive: true, force: true });
      live.delete(top);
    },
  };
}

/**
 * Each of `links` that exists in the repository becomes a symbolic link in the copy, so checks
 * need no install step. A link, not a copy: a check that writes there writes into the repository's
 * folder. A path git already holds is left as the patch made it.
 */
export function linkInto(repoRoot: string, dir: string, links: readonly string[]): void {
  for (const link of links) {
    const source = path.join(repoRoot, link);
    const target = path.join(dir, link);
    if (!exists(source) || exists(target) || throughLink(dir, link)) continue;
    mkdirSync(path.dirname(target), { recursive: true });
    symlinkSync(source, target);
  }
}

/** Whether a folder on the way to `link` in the copy is a symbolic link the patch may have added. */
function throughLink(dir: string, link: string): boolean {
  const parts = link.split('/');
  for (let i = 1; i < parts.length; i++) {
    const at = path.join(dir, ...parts.slice(0, i));
    try {
      if (lstatSync(at).isSymbolicLink()) return true;
    } catch {
      return false;
    }
  }
  return false;
}

function exists(file: string): boolean {
  try {
    lstatSync(file);
    return true;
  } catch {
    return false;
  }
}
