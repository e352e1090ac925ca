import { writeStdout } from './stdout.js';

/**
 * Everything the CLI prints goes through here, so that `--json` can replace the text with one
 * object and the live progress line can be cleared before any other output.
 */
interface OutputState {
  json: boolean;
  quiet: boolean;
  command: string | null;
  result: unknown;
  warnings: string[];
  live: boolean;
}

const state: OutputState = { json: false, quiet: false, command: null, result: null, warnings: [], live: false };

/** Set once per process by the command wrapper, from the command's own --json / --quiet. */
export function configureOutput(options: { json: boolean; quiet: boolean; command: string }): void {
  state.json = options.json;
  state.quiet = options.quiet;
  state.command = options.command;
}

export function jsonMode(): boolean {
  return state.json;
}

/** The progress line is for a person watching a terminal: never in --json, --quiet or a pipe. */
export function progressWanted(): boolean {
  return !state.json && !state.quiet && process.stderr.isTTY === true;
}

/** A line of the text output (suppressed with --json, whose object carries the same facts). */
export function out(line = ''): void {
  if (state.json) return;
  clearLive();
  writeStdout(`${line}\n`);
}

/** Text that is the product itself (a diff, an HTML page), written as is; not in --json. */
export function outRaw(text: string): void {
  if (state.json) return;
  clearLive();
  writeStdout(text);
}

export function warn(line: string): void {
  clearLive();
  process.stderr.write(`warning: ${line}\n`);
  state.warnings.push(line);
}

/** The command's result for --json; the text output is printed by the command as usual. */
export function setResult(value: unknown): void {
  state.result = value;
}

/** Replaces the live line on stderr (a terminal): carriage return, erase line, no newline. */
export function writeLive(line: string): void {
  process.stderr.write(`\r\u001b[2K${line}`);
  state.live = true;
}

export function clearLive(): void {
  if (!state.live) return;
  process.stderr.write('\r\u001b[2K');
  state.live = false;
}

/**
 * With --json, the one object on stdout: `ok` (exit code 0), `command`, `exit_code`, `result` (the
 * command's result, null when it failed before having one), `error` (the one-line message, or
 * null) and `warnings`.
 */
export function printJsonOutcome(exitCode: number, error: string | null, command: string | null = state.command): void {
  clearLive();
  const outcome = { ok: exitCode === 0, command, exit_code: exitCode, result: state.result ?? null, error, warnings: state.warnings };
  writeStdout(`${JSON.stringify(outcome)}\n`);
}
