
/**
 * The one place that starts a person's check: `sh -c CMD` in a folder, in a process group of its
 * own so a timeout or Ctrl-C ends everything it started, not just the shell.
 */

export interface CheckRun {
  exitCode: number | null;
  timedOut: boolean;
  interrupted: boolean;
  durationMs: number;
  /** stdout and stderr as they came, interleaved; only the last `maxOutput` bytes when longer. */
  output: Buffer;
  /** Bytes the check wrote in all, kept or not. */
  outputBytes: number;
}

export interface CheckOptions {
  cwd: string;
  timeoutMs: number;
  maxOutput: number;
  signal?: AbortSignal | undefined;
  env?: NodeJS.ProcessEnv;
  /** Run in a network namespace of its own (`unshare -rn`): no network but its own loopback. */
  isolate?: boolean;
}

/**
 * Whether a check can be cut off from the network here: a new user and network namespace
 * (`unshare -rn`, util-linux), which needs Linux with user namespaces allowed (or root). Asked
 * once per process, by running it.
 */
let isolation: Promise<boolean> | null = null;
export function networkIsolationAvailable(): Promise<boolean> {
  isolation ??= new Promise((resolve) => {
    if (process.platform !== 'linux') return resolve(false);
    const probe = childProcess().spawn('unshare', ['-rn', 'true'], { stdio: 'ignore' });
    probe.on('error', () => resolve(false));
    probe.on('close', (code) => resolve(code === 0));
  });
  return isolation;
}

export function runCheck(command: string, options: CheckOptions): Promise<CheckRun> {
  const started = process.hrtime.bigint();
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let kept = 0;
    let total = 0;
    let timedOut = false;
    let interrupted = false;
    // unshare execs the shell in place (no --fork): the process group is still the shell's.
    const [file, args] = options.isolate === true ? ['unshare', ['-rn', 'sh', '-c', command]] : ['sh', ['-c', command]];
    const child = childProcess().spawn(file, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const killGroup = (): void => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    };
    const take = (chunk: Buffer): void => {
      total += chunk.length;
      chunks.push(chunk);
      kept += chunk.length;
      // Keep the tail: what a failing build or test prints last is what explains it.
      while (kept - chunks[0]!.length >= options.maxOutput) kept -= chunks.shift()!.length;
    };
    child.stdout!.on('data', take);
    child.stderr!.on('data', take);
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup();
    }, options.timeoutMs);
    const onAbort = (): void => {
      interrupted = true;
      killGroup();
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });
    if (options.signal?.aborted) onAbort();
    // A process that ends while the check runs (SIGTERM, a second Ctrl-C) takes the check's whole
    // group with it: detached, it would otherwise run on with nobody to read it.
    process.on('exit', killGroup);
    let done = false;
    const finish = (exitCode: number | null): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      process.removeListener('exit', killGroup);
      // Whatever the shell left running in its group goes with it.
      killGroup();
      const all = Buffer.concat(chunks);
      const output = all.length > options.maxOutput ? all.subarray(all.length - options.maxOutput) : all;
      resolve({ exitCode, timedOut, interrupted, durationMs: Number((process.hrtime.bigint() - started) / 1_000_000n), output, outputBytes: total });
    };
    child.on('error', (error) => {
      chunks.push(Buffer.from(`could not start sh: ${error.message}\n`));
      finish(null);
    });
    child.on('close', (code) => finish(timedOut || interrupted ? null : code));
  });
}

/**
 * child_process on first use, not when this module is loaded: it brings net and streams with it,
 * and `status` reaches this module without running a check.
 */
function childProcess(): typeof import('node:child_process') {
  return process.getBuiltinModule('node:child_process');
}
