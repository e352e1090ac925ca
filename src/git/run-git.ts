/**
 * The one place that starts git. Everything else in the tool asks git through here, so the
 * environment rules below hold for every call.
 */
import type { ChildProcess } from 'node:child_process';
import { constants } from 'node:os';
import { closeSync, openSync, statSync } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import { GitError } from '../errors.js';

export interface RunGitOptions {
  /** Always the repository root for commands that take paths: `git apply` run from a subdirectory silently skips files outside it. */
  cwd: string;
  /** Added to the environment (e.g. GIT_INDEX_FILE for a temporary index). */
  env?: Record<string, string>;
  /** Bytes for stdin; stdin is closed when absent. */
  input?: string | Buffer;
  /**
   * A file git reads as its stdin, instead of `input`: git reads it at its own pace, where a pipe
   * is written only while this process's event loop turns (not while the engine runs).
   */
  inputFile?: string;
  /** Refuse more stdout than this instead of handing back a truncated blob. */
  maxStdoutBytes?: number;
}

export interface RunGitResult {
  stdout: Buffer;
  stderr: string;
  exitCode: number;
}

export const DEFAULT_MAX_STDOUT = 64 * 1024 * 1024;
const MAX_STDERR = 64 * 1024;

/**
 * Variables that would point git at another repository or index than the one we chose: set when
 * the tool itself runs inside a git hook, and fatal if GIT_INDEX_FILE leaked into a command that
 * must use the real index (or the reverse).
 */
const INHERITED_LOCATION_VARS = ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE', 'GIT_PREFIX', 'GIT_COMMON_DIR', 'GIT_NAMESPACE'];

let started = 0;

/**
 * How many git processes this process has started. Each costs milliseconds to start, and a
 * command like verify asks many questions: a test holds it to a bound through this count.
 */
export function gitProcessesStarted(): number {
  return started;
}

/**
 * Run git without a shell. Resolves with the exit code whatever it is; rejects only when git
 * cannot be started or its output exceeds the cap.
 */
export function runGit(args: string[], options: RunGitOptions): Promise<RunGitResult> {
  const maxStdout = options.maxStdoutBytes ?? DEFAULT_MAX_STDOUT;
  return new Promise((resolve, reject) => {
    let child: ChildProcess;
    try {
      if (options.inputFile === undefined) child = spawnGit(args, options.cwd, options.env, options.input === undefined ? 'ignore' : 'pipe');
      else {
        // The child has its own copy of the descriptor once started.
        const fd = openSync(options.inputFile, 'r');
        try {
          child = spawnGit(args, options.cwd, options.env, fd);
        } finally {
          closeSync(fd);
        }
      }
    } catch (error) {
      reject(spawnError(error, options.cwd));
      return;
    }
    const out: Buffer[] = [];
    let outBytes = 0;
    let err = '';
    let overflow = false;
    child.stdout?.on('data', (chunk: Buffer) => {
      outBytes += chunk.length;
      if (outBytes > maxStdout) {
        if (!overflow) child.kill('SIGKILL');
        overflow = true;
        return;
      }
      out.push(chunk);
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      if (err.length < MAX_STDERR) err += chunk.toString('utf8');
    });
    child.on('error', (error) => reject(spawnError(error, options.cwd)));
    child.on('close', (code, signal) => {
      if (overflow) {
        reject(new GitError(`git ${args[0] ?? ''} produced more than ${Math.round(maxStdout / 1024 / 1024)} MiB of output: the file or repository is too large for this tool`));
        return;
      }
      const exitCode = code ?? 128 + (signal ? constants.signals[signal] ?? 0 : 0);
      resolve({ stdout: Buffer.concat(out), stderr: err.slice(0, MAX_STDERR), exitCode });
    });
    if (options.input !== undefined && options.inputFile === undefined && child.stdin) {
      // git may exit before reading all input (e.g. on a bad argument): that is not our error.
      child.stdin.on('error', () => {});
      child.stdin.end(options.input);
    }
  });
}

function spawnGit(args: string[], cwd: string, extraEnv: Record<string, string> | undefined, stdin: 'ignore' | 'pipe' | number): ChildProcess {
  const env: Record<string, string | undefined> = { ...process.env };
  for (const name of INHERITED_LOCATION_VARS) delete env[name];
  // The user's config stays (user.name matters); only output format and interactivity are forced.
  Object.assign(env, extraEnv ?? {}, {
    LC_ALL: 'C',
    LANGUAGE: 'C',
    GIT_PAGER: 'cat',
    PAGER: 'cat',
    GIT_TERMINAL_PROMPT: '0',
    GIT_OPTIONAL_LOCKS: '0',
  });
  // Loaded here, at the first git process, not when this module is: child_process brings net and
  // streams with it, and most commands that call no model start no git process at all.
  const { spawn } = process.getBuiltinModule('node:child_process');
  const child = spawn('git', ['--no-pager', '-c', 'color.ui=false', ...args], { cwd, env, shell: false, stdio: [stdin, 'pipe', 'pipe'] });
  started++;
  return child;
}

/** A git process that answers requests written to its stdin for as long as it is kept open. */
export interface GitStream {
  stdin: Writable;
  stdout: Readable;
  /** Resolves when git has exited (stderr capped as for runGit); rejects when it could not start. */
  exited: Promise<{ exitCode: number; stderr: string }>;
  kill(): void;
}

/**
 * Starts git for a conversation (`cat-file --batch`: one process answering many reads, where a
 * process per question costs milliseconds to start each), under the same rules as runGit.
 */
export function startGit(args: string[], options: { cwd: string }): GitStream {
  const child = spawnGit(args, options.cwd, undefined, 'pipe');
  let err = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    if (err.length < MAX_STDERR) err += chunk.toString('utf8');
  });
  // git may exit before reading all input (e.g. on a bad argument): its exit says why, not EPIPE.
  child.stdin!.on('error', () => {});
  const exited = new Promise<{ exitCode: number; stderr: string }>((resolve, reject) => {
    child.on('error', (error) => reject(spawnError(error, options.cwd)));
    child.on('close', (code, signal) => resolve({ exitCode: code ?? 128 + (signal ? constants.signals[signal] ?? 0 : 0), stderr: err.slice(0, MAX_STDERR) }));
  });
  return { stdin: child.stdin!, stdout: child.stdout!, exited, kill: () => child.kill('SIGKILL') };
}

function spawnError(error: unknown, cwd: string): GitError {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  // Node reports a missing cwd as ENOENT for the program, so check which one is missing.
  if (code === 'ENOENT' && !isDirectory(cwd)) return new GitError(`directory ${cwd} does not exist: pass an existing repository directory`, { cause: error });
  if (code === 'ENOENT') return new GitError('git not found: install git', { cause: error });
  return new GitError(`could not start git in ${cwd} (${code ?? String(error)}): check that git is installed and the directory is readable`, { cause: error });
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/**
 * git itself failed where it was expected to succeed (a damaged repository, a lock, a full disk,
 * permissions): git's reason, and that the way on is to fix what it reports.
 */
export function gitFailed(what: string, stderr: string): GitError {
  return new GitError(`${what}: ${oneLine(stderr)}; fix what git reports, then run the command again (\`git fsck\` checks the repository)`);
}

/** git's stderr as one line for an error message: "error: " prefixes dropped, lines joined. */
export function oneLine(stderr: string, fallback = 'git gave no reason'): string {
  const text = stderr
    .split('\n')
    .map((l) => l.replace(/^(?:error|fatal|warning): /, '').trim())
    .filter((l) => l !== '')
    .join('; ');
  return text === '' ? fallback : text.length > 500 ? `${text.slice(0, 500)}…` : text;
}
