import { CONTROL_CHARACTERS, visibleLine, visibleText } from '../visible-text.js';
import { Painted } from './colour.js';
import { stdoutIsTerminal, writeStdout } from './stdout.js';

/**
 * Everything the CLI prints goes through here, so that `--json` can replace the text with one
 * object and the live progress line can be cleared before any other output. Text is shown with
 * its control characters escaped (src/visible-text.ts): strings from a model, a file or a run
 * land in these lines, and a terminal would act on an escape sequence, a carriage return or a bidi
 * control instead of showing it.
 */
interface OutputState {
  json: boolean;
  quiet: boolean;
  command: string | null;
  result: unknown;
  warnings: string[];
  /** Why a command that ends with exit 1 without throwing (doctor, verify, replay) failed. */
  failure: string | null;
  live: boolean;
}

const state: OutputState = { json: false, quiet: false, command: null, result: null, warnings: [], failure: null, live: false };

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

/**
 * A line of the text output (suppressed with --json, whose object carries the same facts). A
 * string is one line: its control characters, a newline included, are escaped; a Painted line
 * (colour.ts) was escaped before it was coloured.
 */
export function out(line: string | Painted = ''): void {
  if (state.json) return;
  clearLive();
  writeStdout(`${line instanceof Painted ? line.text : visibleLine(line)}\n`);
}

/**
 * Text that is the product itself (a diff, an HTML page), written as is to a pipe or a file; on a
 * terminal, which would act on them, its control characters are escaped. Not in --json.
 * `bytes`: the text's UTF-8 encoding where the caller has it (check-patch's diff as read, up to
 * megabytes), written as it is where the text would be.
 */
export function outRaw(text: string | Painted, bytes?: Uint8Array): void {
  if (state.json) return;
  clearLive();
  if (text instanceof Painted) writeStdout(text.text);
  else if (stdoutIsTerminal()) writeStdout(visibleText(text));
  else writeStdout(bytes ?? text);
}

export function warn(line: string): void {
  clearLive();
  process.stderr.write(`warning: ${visibleLine(line)}\n`);
  state.warnings.push(line);
}

/**
 * The command's result for --json, shaped as src/schema/json-output.ts says (json-results.ts);
 * the text output is printed by the command as usual.
 */
export function setResult(value: unknown): void {
  state.result = value;
}

/**
 * For a command that found a problem it reports rather than throws (a ❌ check, a reply that
 * differs): the one line saying why, on standard error and as --json's `error`; returns the exit
 * code (1) for the command to return.
 */
export function failWith(message: string): number {
  clearLive();
  process.stderr.write(`error: ${visibleLine(message)}\n`);
  state.failure = message;
  return 1;
}

/** Replaces the live line on stderr (a terminal): carriage return, erase line, no newline. */
export function writeLive(line: string): void {
  process.stderr.write(`\r\u001b[2K${visibleLine(line)}`);
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
  const outcome = { ok: exitCode === 0, command, exit_code: exitCode, result: state.result ?? null, error: error ?? (exitCode === 0 ? null : state.failure), warnings: state.warnings };
  writeStdout(`${jsonWithoutControls(JSON.stringify(outcome))}\n`);
}

/**
 * JSON.stringify escapes C0 controls but writes DEL, C1 and bidi controls as they are; written
 * as \uHHHH instead, the document parses to the same strings and shows nothing a terminal acts on.
 * Outside strings JSON is ASCII without controls, so only string contents are touched.
 */
function jsonWithoutControls(json: string): string {
  return json.replace(CONTROL_CHARACTERS, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
