/**
 * Answers from git that one command asks for more than once: `verify` re-runs the engine on every
 * attempt and re-validates every approved patch, which asks git for the same state trees, applies
 * and file listings again and again. Git's answers about object ids never change, so each is
 * asked once per memo. A memo lives in memory for one command only: kept on disk, it would be a
 * cache that whoever can edit it could use to make verify pass.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GitError } from '../errors.js';
import { ObjectReader, type GitObject } from './object-reader.js';

/**
 * Temporary index folders not yet removed. A command that exits at once (SIGTERM, a second Ctrl-C)
 * never reaches close(), and the folder holds a copy of the patch being applied: the process's
 * 'exit' removes what is left, synchronously, as the only work an exit still does.
 */
const liveIndexDirs = new Set<string>();

function removeAtExit(dir: string): void {
  if (liveIndexDirs.size === 0) process.once('exit', removeLiveIndexDirs);
  liveIndexDirs.add(dir);
}

function forgetAtExit(dir: string): void {
  liveIndexDirs.delete(dir);
  if (liveIndexDirs.size === 0) process.removeListener('exit', removeLiveIndexDirs);
}

function removeLiveIndexDirs(): void {
  for (const dir of liveIndexDirs) removeDespiteWriter(dir);
  liveIndexDirs.clear();
}

/**
 * A git process still running when the command exits may create its index.lock (and rename it to
 * index) while the folder is being emptied: the folder is then not empty when it is removed, and
 * rmSync's own retries only retry that last step. Emptying again removes what git added; once the
 * folder is gone git can put nothing there. Under load (4 busy cores, 3 commands at once, 120
 * SIGTERMs) 5 exits needed a second emptying, none a third; a single rmSync left the folder in
 * 7 of 300. The loop gives up after ~0.5 s and leaves the folder, as a kill would.
 */
function removeDespiteWriter(dir: string): void {
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (let attempt = 0; attempt < 50; attempt++) {
    try {
      rmSync(dir, { recursive: true, force: true });
      return;
    } catch {
      Atomics.wait(pause, 0, 0, 10);
    }
  }
}

export interface TempIndex {
  /** GIT_INDEX_FILE, so the user's real index is never read or written. */
  env: Record<string, string>;
  /**
   * The tree (root + object id) whose content the index holds, when known: the next apply onto
   * that tree needs no `git read-tree`. Null when unknown, e.g. after a failed command.
   */
  holds: string | null;
}

export class GitMemo {
  private readonly answers = new Map<string, Promise<unknown>>();
  private index: { dir: string; state: TempIndex } | null = null;
  /** One git command at a time may change the index: the next waits for this one. */
  private indexQueue: Promise<unknown> = Promise.resolve();
  private closed = false;
  private readonly readers = new Map<string, ObjectReader>();
  /**
   * Set by verify: patches are applied in process from the engine's post-images, and the trees
   * they give are hashed here (tree-in-process.ts) and kept in `made`, never written to the
   * repository; every read goes through `read`, which finds them there first.
   */
  inProcess = false;
  /** A patch in-process application could not take (the caller redoes its work with git). */
  fellBack = false;
  readonly made = new Map<string, GitObject>();
  /** Answers callers already hold for a question (verify: a patch's post-images), by its key: the first one given. */
  private readonly offers = new Map<string, unknown>();
  /** Names of states (state-tree.ts), by the name of the state before, then the name of the patch applied to it. */
  readonly stateKeys = new Map<string, Map<string, string>>();
  private states = 0;
  /** Long key parts (patches, replies) by a short name of their own, given on first sight. */
  private readonly names = new Map<string, string>();
  /** The last history statesAlong named, by a copy of its patches, and its states' names. */
  private lastHistory: { start: string; patches: readonly string[]; names: readonly string[] } | null = null;

  /**
   * A short name for `text`, the same for equal texts within this memo. Keys name patches and
   * replies this way, so a question about a history of k patches costs a map lookup per patch
   * (on the same string: V8 keeps its hash) rather than hashing k patches' bytes again.
   */
  nameOf(text: string): string {
    let name = this.names.get(text);
    if (name === undefined) {
      name = `#${this.names.size}`;
      this.names.set(text, name);
    }
    return name;
  }

  /** The name of the state `step` (a patch's name) leads to from the state named `before`. */
  stateAfter(before: string, step: string): string {
    let next = this.stateKeys.get(before);
    if (next === undefined) {
      next = new Map();
      this.stateKeys.set(before, next);
    }
    let name = next.get(step);
    if (name === undefined) {
      name = `s${this.states++}`;
      next.set(step, name);
    }
    return name;
  }

  /**
   * The names of the states along `patches` from the state named `start`: element i names the state
   * after the first i patches, as stateAfter names it. The histories a command asks about are
   * mostly prefixes of one another (verify asks about every prefix of a run's approved history, a
   * few times each), so the last history named is kept: the part a history shares with it costs a
   * comparison per patch (the same string, as a caller passes it again, compares at once) instead
   * of a map lookup by the patch's text and another by the state's name.
   */
  statesAlong(start: string, patches: readonly string[]): string[] {
    const last = this.lastHistory;
    let shared = 0;
    if (last !== null && last.start === start) {
      const most = Math.min(patches.length, last.patches.length);
      while (shared < most && patches[shared] === last.patches[shared]) shared++;
    }
    const names = shared === 0 ? [start] : last!.names.slice(0, shared + 1);
    if (shared === patches.length) return names;
    for (let i = shared; i < patches.length; i++) names.push(this.stateAfter(names[i]!, this.nameOf(patches[i]!)));
    // A copy: the caller's array may change after the call, the names kept here must not.
    this.lastHistory = { start, patches: [...patches], names: [...names] };
    return names;
  }

  /** The answer for `parts`, computed on the first call; failures are kept too, as git's answer. */
  once<T>(parts: readonly string[], compute: () => Promise<T>): Promise<T> {
    const key = this.key(parts);
    let answer = this.answers.get(key) as Promise<T> | undefined;
    if (answer === undefined) {
      answer = compute();
      this.answers.set(key, answer);
    }
    return answer;
  }

  /** Keeps `value` as what a computation of `parts` may use instead of working it out (the first offer stays). */
  offer(parts: readonly string[], value: unknown): void {
    const key = this.key(parts);
    if (!this.offers.has(key)) this.offers.set(key, value);
  }

  offered<T>(parts: readonly string[]): T | undefined {
    return this.offers.get(this.key(parts)) as T | undefined;
  }

  has(parts: readonly string[]): boolean {
    return this.answers.has(this.key(parts));
  }

  /**
   * Parts joined unambiguously (each after its length); a long part by its name, so the map
   * holds no copy of a patch per question and a key costs no pass over the patch's bytes.
   */
  private key(parts: readonly string[]): string {
    let key = '';
    for (const part of parts) {
      const short = part.length <= LONG_PART ? part : this.nameOf(part);
      key += `${part.length <= LONG_PART ? '' : '~'}${short.length}:${short}`;
    }
    return key;
  }

  /** The memo's one reader of `root`'s objects, started on the first read. */
  reader(root: string): ObjectReader {
    // Started after close, nothing would end it, and git would hold the command open.
    if (this.closed) throw new GitError('git was asked to read after the command that asked had finished');
    let reader = this.readers.get(root);
    if (reader === undefined) {
      reader = new ObjectReader(root);
      this.readers.set(root, reader);
    }
    return reader;
  }

  /**
   * The object `name` names (an id, or `<id>^{tree}`/`<id>^{commit}`): one made in process, else
   * read from `root` through the memo's reader; null when there is none.
   */
  read(root: string, name: string): Promise<GitObject | null> {
    const peeled = /^([0-9a-f]+)(?:\^\{(tree|commit)\})?$/.exec(name);
    const made = peeled ? this.made.get(peeled[1]!) : undefined;
    if (made !== undefined) return Promise.resolve(peeled![2] === undefined || peeled![2] === made.type ? made : null);
    return this.reader(root).read(name);
  }

  /** Runs `fn` with the memo's temporary index to itself. */
  withIndex<T>(fn: (index: TempIndex) => Promise<T>): Promise<T> {
    // Work still running when its command gave up on it (a sibling failed) gets an index of its own.
    if (this.closed) return withGitMemo(undefined, (memo) => memo.withIndex(fn));
    const run = this.indexQueue.then(async () => {
      if (this.index === null) {
        // Made and marked for removal in one tick: awaited, a SIGTERM handled between the folder's
        // creation and its marking would exit with the folder (and later the patch) left behind.
        const dir = mkdtempSync(join(tmpdir(), 'llm-orchestrator-index-'));
        removeAtExit(dir);
        this.index = { dir, state: { env: { GIT_INDEX_FILE: join(dir, 'index') }, holds: null } };
      }
      const { state } = this.index;
      try {
        return await fn(state);
      } catch (error) {
        state.holds = null;
        throw error;
      }
    });
    this.indexQueue = run.catch(() => {});
    return run;
  }

  /** Ends the readers and, once every command queued on it has finished, removes the temporary index. */
  async close(): Promise<void> {
    this.closed = true;
    const removeIndex = this.indexQueue.then(async () => {
      if (this.index === null) return;
      await rm(this.index.dir, { recursive: true, force: true });
      forgetAtExit(this.index.dir);
      this.index = null;
    });
    await Promise.all([...[...this.readers.values()].map((reader) => reader.close()), removeIndex]);
  }
}

/** Runs `fn` with `memo`, or with a new memo that is closed afterwards. */
export async function withGitMemo<T>(memo: GitMemo | undefined, fn: (memo: GitMemo) => Promise<T>): Promise<T> {
  if (memo !== undefined) return fn(memo);
  const fresh = new GitMemo();
  try {
    return await fn(fresh);
  } finally {
    await fresh.close();
  }
}

/** Object ids, paths and state names are kept as they are; anything longer is named. */
const LONG_PART = 256;
