/**
 * Errors the tool expects. Each carries a message worded for a person (what is wrong and what
 * to do) and the exit code. Only the CLI entry point turns them into output and an exit.
 */
export class OrchestratorError extends Error {
  readonly exitCode: number;
  constructor(message: string, options: { exitCode?: number; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = new.target.name;
    this.exitCode = options.exitCode ?? 1;
  }
}

/**
 * A command that failed after it recorded something (a run-task attempt whose patch does not
 * validate): the error carries that record, so `--json` can return it beside the message.
 */
export class RecordedFailure<T> extends OrchestratorError {
  readonly recorded: T;
  constructor(message: string, recorded: T) {
    super(message);
    this.recorded = recorded;
  }
}

/** Bad arguments: exit 2. */
export class UsageError extends OrchestratorError {
  constructor(message: string) {
    super(message, { exitCode: 2 });
  }
}

/** The model server could not be used (down, missing model, HTTP error, cut-short stream). */
export class ModelCallError extends OrchestratorError {
  readonly url: string;
  readonly status: number | null;
  readonly body: string | null;
  constructor(message: string, info: { url: string; status?: number | null; body?: string | null; cause?: unknown }) {
    super(message, { cause: info.cause });
    this.url = info.url;
    this.status = info.status ?? null;
    this.body = info.body ?? null;
  }
}

/** A git invocation failed in a way the user can act on. */
export class GitError extends OrchestratorError {}

/** A file of the run is missing, truncated or of the wrong shape. */
export class RunFileError extends OrchestratorError {}

/** A workflow rule refused the command (not approved yet, dependency missing, ...). */
export class WorkflowError extends OrchestratorError {}

/** A path from a person or a model that points outside what the tool may touch. */
export class UnsafePathError extends OrchestratorError {}
