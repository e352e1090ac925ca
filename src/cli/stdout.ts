import { fstatSync, statSync, writeSync } from 'node:fs';

/**
 * Standard output, written straight to file descriptor 1.
 *
 * `process.stdout` is created on first use, and for a pipe that means loading Node's net and
 * stream modules and a socket: about 7 ms, as much as a short command's own work. Writing the
 * bytes with writeSync costs none of it, and keeps the output in order with everything else the
 * command does. One case goes through process.stdout after all: a descriptor in non-blocking mode
 * that is full (EAGAIN): the stream waits for it, and the rest of the output follows it there, so
 * the order holds.
 *
 * A reader that stops early (`llm-orchestrator runs | head -1`) closes the pipe: what is left to
 * print has nowhere to go, which is not the command's failure. The command finishes, records its
 * audit line and keeps its exit code; the rest of the output is dropped.
 */
let closed = false;
let stream: NodeJS.WriteStream | null = null;

/** `output`: text, or its UTF-8 bytes where the caller holds them already (a large diff as read: no copy). */
export function writeStdout(output: string | Uint8Array): void {
  if (closed || output.length === 0) return;
  if (stream) {
    stream.write(output);
    return;
  }
  const bytes = typeof output === 'string' ? Buffer.from(output, 'utf8') : output;
  let offset = 0;
  try {
    while (offset < bytes.length) offset += writeSync(1, bytes, offset);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EPIPE') closed = true;
    else if (code === 'EAGAIN') stdoutStream().write(bytes.subarray(offset));
    else throw error;
  }
}

/** process.stdout; from the first call on, all output goes through it. */
function stdoutStream(): NodeJS.WriteStream {
  if (!stream) {
    stream = process.stdout;
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE' || error.code === 'ERR_STREAM_DESTROYED') closed = true;
      else throw error;
    });
  }
  return stream;
}

/**
 * Whether standard output is a terminal, without creating process.stdout: a pipe, a file or
 * /dev/null is told apart by fstat alone; only another character device is asked of tty.
 */
export function stdoutIsTerminal(): boolean {
  if (stream) return stream.isTTY === true;
  let stat;
  try {
    stat = fstatSync(1);
  } catch {
    return false;
  }
  if (!stat.isCharacterDevice()) return false;
  // `> /dev/null` is a character device too: told apart by its device number, as asking tty
  // would load it, and net with it.
  if (process.platform !== 'win32' && stat.rdev === devNullDevice()) return false;
  return process.getBuiltinModule('node:tty').isatty(1);
}

function devNullDevice(): number | undefined {
  try {
    return statSync('/dev/null').rdev;
  } catch {
    return undefined;
  }
}
