import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The built CLI, run as a user runs it: a separate process, real arguments, real exit code. */
export const CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../dist/cli/main.js');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** `cli`: another copy of the tool's bin to run instead of this checkout's (an installed one). */
export function runCli(args: string[], options: { cwd: string; env?: Record<string, string | undefined>; input?: string; cli?: string }): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', ...options.env };
    for (const [key, value] of Object.entries(options.env ?? {})) if (value === undefined) delete env[key];
    const child = spawn(process.execPath, [options.cli ?? CLI, ...args], { cwd: options.cwd, env, stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    if (options.input !== undefined) child.stdin!.end(options.input);
    // Decoded once whole: a chunk may end inside a character.
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout!.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr!.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', reject);
    // Killed by a signal: 128 + its number, as a shell reports it.
    child.on('close', (code, signal) =>
      resolve({ code: code ?? (signal ? 128 + constants.signals[signal] : -1), stdout: Buffer.concat(stdout).toString(), stderr: Buffer.concat(stderr).toString() }),
    );
  });
}

/** What a person sees when something is wrong: one line, exit `code`, no stack trace. */
export function oneLineError(result: CliResult, code: number, pattern: RegExp): string {
  assert.equal(result.code, code, result.stdout + result.stderr);
  const lines = result.stderr.split('\n').filter((line) => line !== '');
  assert.equal(lines.length, 1, result.stderr);
  assert.match(lines[0]!, /^error: /);
  assert.match(lines[0]!, pattern);
  return lines[0]!;
}
