import type { ChatProgress, ModelProvider, ProviderKind } from '../model/types.js';
import type { StoreFs } from '../store/write-whole.js';

/**
 * What a workflow command needs from the outside world, passed in so the core stays free of
 * the terminal and tests can substitute the clock or the provider.
 */
export interface ModelCallWatch {
  onProgress(progress: ChatProgress): void;
  end(): void;
}

export interface WorkflowEnv {
  /** The folder the user named (`--repo`, or the working directory); resolved to the git root. */
  repoDir: string;
  /** `--runs-dir`, or null for `<repo root>/runs`. */
  runsDir: string | null;
  cwd: string;
  env: NodeJS.ProcessEnv;
  now(): Date;
  createProvider(kind: ProviderKind, baseUrl: string): Promise<ModelProvider>;
  /**
   * Called as a model call is sent; what it returns hears of the tokens as they arrive and is
   * ended when the call is over, whichever way (model-call.ts, replay.ts).
   */
  watchModelCall?: (model: string) => ModelCallWatch;
  /** Something the person should see now, besides the audit line (e.g. a model change allowed). */
  onWarning?: (message: string) => void;
  /** `--allow-model-change`: use a model whose digest differs from the manifest's (recorded). */
  allowModelChange?: boolean;
  /**
   * `--base-url` as given: the server a run's model calls go to instead of the one its manifest
   * recorded (a server that moved). Checked and recorded by the command, never stored in the run.
   */
  baseUrl?: string;
  signal?: AbortSignal;
  /** The file-system calls the run store writes through; only tests pass one (a full disk). */
  storeFs?: StoreFs;
}
