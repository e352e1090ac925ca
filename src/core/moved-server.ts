import { ModelRequestError } from '../model/model-request-error.js';

/** The commands that call a run's model server and take --base-url for one that moved. */
const MOVABLE = new Set(['plan', 'revise-plan', 'run-task', 'replay', 'doctor']);

/** The providers' advice when nothing answers, which this replaces with the command to type. */
const GENERIC = / or pass --base-url$/;

/**
 * A server that does not answer: the error ends with this very command (its recorded arguments)
 * and `--base-url URL`, so the advice names a command and flag that exist, whichever it was.
 */
export function withMovedServerAdvice(error: unknown, command: string, args: Record<string, unknown>): unknown {
  if (!(error instanceof ModelRequestError) || error.reason !== 'unreachable' || !MOVABLE.has(command) || !GENERIC.test(error.message)) return error;
  const flags = Object.entries(args).flatMap(([key, value]) => (key === 'base_url' ? [] : flag(key, value)));
  const again = ['llm-orchestrator', command, ...flags, '--base-url', 'URL'].join(' ');
  const message = error.message.replace(GENERIC, `, or if it moved: \`${again}\``);
  return new ModelRequestError(message, { url: error.url, reason: error.reason, status: error.status, body: error.body, partial: error.partial, cause: error });
}

function flag(key: string, value: unknown): string[] {
  const name = `--${key.replace(/_/g, '-')}`;
  if (value === undefined || value === false) return [];
  if (value === true) return [name];
  if (Array.isArray(value)) return value.flatMap((item) => flag(key, item));
  return [name, shellWord(String(value))];
}

/** A value as a shell word; a long or multi-line one (feedback text) as a placeholder to fill in. */
function shellWord(value: string): string {
  if (/^[\w./:@%+=,-]+$/.test(value)) return value;
  if (value.length > 60 || /[\n\r]/.test(value)) return '"..."';
  return `'${value.replace(/'/g, `'\\''`)}'`;
}
