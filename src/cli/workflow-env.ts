import type { Command } from 'commander';
import type { WorkflowEnv } from '../core/workflow-env.js';
import { interruptSignal } from './interrupt.js';
import { progressWanted, warn } from './print.js';
import { watchModelCall } from './progress.js';

interface GlobalOptions {
  repo?: string;
  runsDir?: string;
  allowModelChange?: boolean;
  baseUrl?: string;
}

/** The real world for the workflow core: this process's directory, clock and environment. */
export function workflowEnv(command: Command): WorkflowEnv {
  const options = command.optsWithGlobals<GlobalOptions>();
  return {
    repoDir: options.repo ?? '.',
    runsDir: options.runsDir ?? null,
    cwd: process.cwd(),
    env: process.env,
    now: () => new Date(),
    // Loaded when a command first talks to a model: the commands that never do start without it.
    createProvider: async (kind, baseUrl) => (await import('../model/create-provider.js')).createProvider(kind, baseUrl),
    onWarning: warn,
    allowModelChange: options.allowModelChange === true,
    ...(options.baseUrl === undefined ? {} : { baseUrl: options.baseUrl }),
    signal: interruptSignal,
    // Asked when a model is called, not before: whether stderr is a terminal is known only once
    // process.stderr exists, and creating it costs the commands that call no model their start-up.
    get watchModelCall() {
      return progressWanted() ? watchModelCall : undefined;
    },
  };
}
