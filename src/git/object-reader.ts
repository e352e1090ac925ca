/**
 * Reads git objects (trees, blobs) through one `git cat-file --batch` kept open: a command that
 * reads the files of several trees, one after another as each tree is built, pays for one git
 * process instead of a listing and a read per tree. Requests are written as they come and git
 * answers them in order, so reads asked at once travel together.
 */
import { GitError } from '../errors.js';
import { DEFAULT_MAX_STDOUT, gitFailed, startGit, type GitStream } from './run-git.js';

export interface GitObject {
  oid: string;
  type: string;
  content: Buffer;
}

interface Pending {
  resolve(object: GitObject | null): void;
  reject(error: Error): void;
}

export class ObjectReader {
  private git: GitStream | null = null;
  private readonly pending: Pending[] = [];
  /** Output not yet handed out, and how many bytes of it the next answer needs in full. */
  private chunks: Buffer[] = [];
  private received = 0;
  private needed = 0;
  private failure: Error | null = null;

  constructor(private readonly root: string) {}

  /**
   * The object `name` names (an object id, or `<commit>^{tree}`), or null when the repository has
   * no such object.
   */
  read(name: string): Promise<GitObject | null> {
    // One request per line: a name with whitespace would be read as two requests, or another one.
    if (!/^[^\s]+$/.test(name)) return Promise.reject(new GitError(`${JSON.stringify(name)} is not a git object name`));
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.pending.push({ resolve, reject });
      this.start().stdin.write(`${name}\n`);
    });
  }

  /** Ends git once every read asked for has been answered. */
  async close(): Promise<void> {
    const git = this.git;
    if (git === null) return;
    git.stdin.end();
    await git.exited.catch(() => {});
  }

  private start(): GitStream {
    if (this.git !== null) return this.git;
    const git = startGit(['cat-file', '--batch'], { cwd: this.root });
    this.git = git;
    git.stdout.on('data', (chunk: Buffer) => this.receive(chunk));
    git.exited.then(
      ({ exitCode, stderr }) => this.fail(gitFailed(`git cat-file stopped (exit ${exitCode}) in ${this.root}`, stderr)),
      (error: Error) => this.fail(error),
    );
    return git;
  }

  private receive(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.received += chunk.length;
    // A large blob comes in many chunks: joined once it is all there, not once per chunk.
    if (this.received < this.needed) return;
    let buffered = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
    this.needed = 0;
    while (this.pending.length > 0) {
      const end = buffered.indexOf(0x0a);
      if (end < 0) break;
      const header = buffered.subarray(0, end).toString('utf8');
      // "<oid> <type> <size>" then the content and a newline; "<name> missing" (or "ambiguous") alone.
      const found = /^([0-9a-f]+) (\w+) (\d+)$/.exec(header);
      if (found === null) {
        buffered = buffered.subarray(end + 1);
        this.pending.shift()!.resolve(null);
        continue;
      }
      const size = Number(found[3]);
      if (size > DEFAULT_MAX_STDOUT) {
        // Held in memory whole: refused, as runGit refuses such output, rather than read.
        this.fail(new GitError(`git cat-file produced more than ${Math.round(DEFAULT_MAX_STDOUT / 1024 / 1024)} MiB of output: the file or repository is too large for this tool`));
        this.git?.kill();
        return;
      }
      if (buffered.length < end + 1 + size + 1) {
        this.needed = end + 1 + size + 1;
        break;
      }
      const content = Buffer.from(buffered.subarray(end + 1, end + 1 + size));
      buffered = buffered.subarray(end + 1 + size + 1);
      this.pending.shift()!.resolve({ oid: found[1]!, type: found[2]!, content });
    }
    this.chunks = buffered.length > 0 ? [buffered] : [];
    this.received = buffered.length;
  }

  private fail(error: Error): void {
    // The first failure is the reason; git's exit after it only follows from it.
    this.failure ??= error;
    for (const waiting of this.pending.splice(0)) waiting.reject(this.failure);
  }
}
