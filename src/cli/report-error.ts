import { OrchestratorError } from '../errors.js';
import { ModelRequestError } from '../model/model-request-error.js';
import { visibleLine } from '../visible-text.js';
import { INTERRUPTED_EXIT } from './interrupt.js';

/**
 * One line saying what is wrong and what to do; the stack only with --debug. A message may quote a
 * model or a file, so its control characters are escaped (a newline too: it stays one line).
 */
export function reportError(error: unknown, debug: boolean): number {
  if (error instanceof OrchestratorError) {
    process.stderr.write(`error: ${visibleLine(error.message)}\n`);
    if (debug && error.stack) process.stderr.write(`${error.stack}\n`);
    return error instanceof ModelRequestError && error.aborted ? INTERRUPTED_EXIT : error.exitCode;
  }
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`error: unexpected failure: ${visibleLine(message)} (run again with --debug for details, and report it)\n`);
  if (debug && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
  return 1;
}
