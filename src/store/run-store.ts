import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { OrchestratorError, RunFileError, UsageError } from '../errors.js';
import { Run } from './run.js';
import { isNoSpace, NODE_FS, NoSpaceError, type StoreFs } from './write-whole.js';

export { Run, sha256, type WrittenArtifact } from './run.js';

const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** The runs directory: finding, listing and making runs (one run's files are a `Run`, run.ts). */
export class RunStore {
  /** `fs`: the calls writes go through; only tests pass another (see write-whole.ts). */
  constructor(
    readonly runsDir: string,
    private readonly fs: StoreFs = NODE_FS,
  ) {}

  /**
   * A new run, made whole or not at all: `build` writes it in a hidden folder of the runs
   * directory (`.init-<id>-XXXXXX`, which `runs` skips), renamed to `<base>` (or `<base>-2`,
   * `<base>-3` ... when taken) only once `build` returned. A failure on the way (a full disk, a
   * folder that cannot be written) removes that folder, so no command ever meets half a run; a
   * process killed midway leaves only the hidden folder.
   */
  async buildRun<T>(base: string, build: (run: Run) => Promise<T>): Promise<{ run: Run; result: T }> {
    let staging: string | null = null;
    let id = base;
    try {
      mkdirSync(this.runsDir, { recursive: true });
      for (let n = 2; existsSync(path.join(this.runsDir, id)); n++) id = `${base}-${n}`;
      staging = mkdtempSync(path.join(this.runsDir, `.init-${id}-`));
      const result = await build(new Run(id, staging, this.fs));
      const final = path.join(this.runsDir, id);
      try {
        // rename(2) fails on a folder that is there and not empty: another init took the id meanwhile.
        this.fs.renameSync(staging, final);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOTEMPTY' || code === 'EEXIST') throw new RunFileError(`run ${id} was created by another init meanwhile, so this one was not kept: run init again`, { cause: error });
        throw error;
      }
      staging = null;
      return { run: new Run(id, final, this.fs), result };
    } catch (error) {
      throw newRunFailure(error, this.runsDir, id);
    } finally {
      if (staging !== null) rmSync(staging, { recursive: true, force: true });
    }
  }

  /**
   * `requireManifest: false` is for the commands that check a run (verify, replay): a run whose
   * manifest was deleted must still open, so the check can say which file is missing.
   */
  openRun(id: string, options: { requireManifest?: boolean } = {}): Run {
    if (!RUN_ID.test(id)) throw new UsageError(`"${id}" is not a run id: pass the id that init printed`);
    const dir = path.join(this.runsDir, id);
    const found = options.requireManifest === false ? existsSync(dir) && statSync(dir).isDirectory() : existsSync(path.join(dir, 'manifest.json'));
    if (!found) {
      throw new RunFileError(`run ${id} not found in ${this.runsDir}: check --run, or --repo/--runs-dir`);
    }
    return new Run(id, dir, this.fs);
  }

  listRunIds(): string[] {
    if (!existsSync(this.runsDir)) return [];
    return readdirSync(this.runsDir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && existsSync(path.join(this.runsDir, entry.name, 'manifest.json')))
      .map((entry) => entry.name)
      .sort();
  }

  /** Every folder of the runs directory, manifest or not (not the hidden ones init builds runs in): `runs` lists a run whose files were lost too. */
  listRunDirs(): string[] {
    if (!existsSync(this.runsDir)) return [];
    return readdirSync(this.runsDir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && !entry.name.startsWith('.'))
      .map((entry) => entry.name)
      .sort();
  }
}

/** Why a new run could not be made, in one line with what to do; the tool's own errors pass as they are. */
function newRunFailure(error: unknown, runsDir: string, id: string): unknown {
  if (error instanceof OrchestratorError) return error;
  if (isNoSpace(error)) return new NoSpaceError(runsDir, (error as NodeJS.ErrnoException).code!, { cause: error });
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (typeof code !== 'string') return error;
  return new RunFileError(`could not write run ${id} in ${runsDir} (${code}), so nothing of it was kept: make that folder writable (or pass --runs-dir DIR) and run init again`, { cause: error });
}

