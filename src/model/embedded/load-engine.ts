import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as NodeLlamaCpp from 'node-llama-cpp';
import { OrchestratorError } from '../../errors.js';
import { importPackage } from './import-package.js';

/**
 * The only place that loads node-llama-cpp. It is an optional peer dependency: imported on first
 * use of the embedded provider, so Ollama users never load (or install) it.
 */

/** The version the tool is tested with; the install hint names it. */
export const ENGINE_PACKAGE = 'node-llama-cpp@3.21.1';

export type EngineModule = typeof NodeLlamaCpp;
export interface Engine {
  lib: EngineModule;
  llama: NodeLlamaCpp.Llama;
  /** "node-llama-cpp 3.21.1 (llama.cpp b1234, cpu)": recorded as the run's server version. */
  version: string;
  /** The last lines llama.cpp logged, for error messages (it logs instead of throwing details). */
  recentLog: string[];
}

let engine: Promise<Engine> | null = null;

export function loadEngine(env: NodeJS.ProcessEnv): Promise<Engine> {
  engine ??= start(env).catch((error: unknown) => {
    engine = null;
    throw error;
  });
  return engine;
}

async function start(env: NodeJS.ProcessEnv): Promise<Engine> {
  let lib: EngineModule;
  try {
    lib = (await importPackage('node-llama-cpp')) as EngineModule;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      throw new OrchestratorError(
        `the embedded provider needs node-llama-cpp, which is not installed: run \`npm install ${ENGINE_PACKAGE}\` where llm-orchestrator is installed (\`npm install -g ${ENGINE_PACKAGE}\` for a global install)`,
      );
    }
    throw new OrchestratorError(`node-llama-cpp could not be loaded (${firstLine(error)}): reinstall it with \`npm install ${ENGINE_PACKAGE}\``, { cause: error });
  }
  const recentLog: string[] = [];
  let llama: NodeLlamaCpp.Llama;
  try {
    llama = await lib.getLlama({
      // Prebuilt binaries only: never download sources or compile during a command.
      build: 'never',
      // node-llama-cpp's default (at least 4 threads) oversubscribes small machines, where spinning
      // threads then slow everything down; one per core unless set. On the CPU the thread count
      // does not change results: each output value is computed by one thread.
      maxThreads: threads(env),
      progressLogs: false,
      logLevel: lib.LlamaLogLevel.warn,
      logger: (_level, message) => {
        const line = message.trim();
        if (line === '') return;
        recentLog.push(line);
        if (recentLog.length > 20) recentLog.shift();
      },
    });
  } catch (error) {
    throw new OrchestratorError(
      `node-llama-cpp has no usable llama.cpp binary for this machine (${firstLine(error)}): reinstall it with \`npm install ${ENGINE_PACKAGE}\` so its prebuilt binaries for ${process.platform}-${process.arch} are installed`,
      { cause: error },
    );
  }
  const device = llama.gpu === false ? 'cpu' : llama.gpu;
  return { lib, llama, version: `node-llama-cpp ${packageVersion()} (llama.cpp ${llama.llamaCppRelease.release}, ${device})`, recentLog };
}

function threads(env: NodeJS.ProcessEnv): number {
  const configured = Number(env['LLM_ORCHESTRATOR_THREADS']);
  return Number.isInteger(configured) && configured > 0 ? configured : os.availableParallelism();
}

function packageVersion(): string {
  try {
    let dir = path.dirname(fileURLToPath(import.meta.resolve('node-llama-cpp')));
    for (let i = 0; i < 6; i++, dir = path.dirname(dir)) {
      try {
        const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
        if (pkg.name === 'node-llama-cpp') return pkg.version ?? 'unknown';
      } catch {
        // not this folder
      }
    }
  } catch {
    // fall through
  }
  return 'unknown';
}

export function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n').find((l) => l.trim() !== '')?.trim() ?? 'no message';
}
