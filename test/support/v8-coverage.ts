import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { CLI } from './cli.js';

export type ScriptCoverage = { url: string; functions: Array<{ functionName: string; ranges: Array<{ count: number }> }> };

/** V8's coverage of a run of the built CLI (NODE_V8_COVERAGE): one entry per script the process loaded. */
export function coverage(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}): ScriptCoverage[] {
  const dir = mkdtempSync(path.join(tmpdir(), 'llm-orchestrator-coverage-'));
  try {
    const folder = path.join(dir, 'coverage');
    // The command's exit code is not the point (an unknown run fails): what it ran is.
    const result = spawnSync(process.execPath, [CLI, ...args], { cwd: options.cwd ?? dir, env: { ...process.env, ...options.env, NODE_V8_COVERAGE: folder }, encoding: 'utf8' });
    const files = existsSync(folder) ? readdirSync(folder) : [];
    if (files.length !== 1) throw new Error(`no coverage written: ${result.stderr}`);
    return (JSON.parse(readFileSync(path.join(folder, files[0]!), 'utf8')) as { result: ScriptCoverage[] }).result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The coverage of the bundle itself (dist/cli/cli.js) in `scripts`. */
export function bundleCoverage(scripts: ScriptCoverage[]): ScriptCoverage {
  const bundle = scripts.find((script) => script.url === pathToFileURL(path.join(path.dirname(CLI), 'cli.js')).href);
  if (!bundle) throw new Error('the coverage does not cover dist/cli/cli.js');
  return bundle;
}
