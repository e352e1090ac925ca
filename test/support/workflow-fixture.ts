import assert from 'node:assert/strict';
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CLI, runCli, type CliResult } from './cli.js';
import { startFakeOllama, type FakeOllama } from './fake-ollama.js';
import { makeRepo } from './git-fixture.js';

export const MODEL = 'qwen2.5-coder:7b';

export const APP_JS = ['export function greet(name) {', "  return 'Hello ' + name;", '}', ''].join('\n');

/** A plan of two tasks, the second depending on the first. */
export function twoTaskPlan(): Record<string, unknown> {
  return {
    summary: 'Greet the world by default and shout on request.',
    milestones: [
      {
        id: 'M1',
        title: 'Greeting',
        tasks: [
          task('T001', 'Default name', ['src/app.js'], []),
          task('T002', 'Shout option', ['src/app.js'], ['T001']),
        ],
      },
    ],
  };
}

export function task(id: string, title: string, files: string[], dependsOn: string[]): Record<string, unknown> {
  return { id, title, description: `${title}.`, files, depends_on: dependsOn, acceptance: [`${title} works`], artifacts: ['patch.diff'] };
}

/** T001's diff as a small model writes it: fenced, with prose, and a hunk count that is off. */
export const T001_REPLY = [
  'Here is the change:',
  '',
  '```diff',
  'diff --git a/src/app.js b/src/app.js',
  '--- a/src/app.js',
  '+++ b/src/app.js',
  '@@ -1,3 +1,3 @@',
  ' export function greet(name) {',
  "-  return 'Hello ' + name;",
  "+  const who = name || 'world';",
  "+  return 'Hello ' + who;",
  ' }',
  '```',
  '',
  'This makes the name optional.',
].join('\n');

/** Applies only on top of T001. */
export const T002_DIFF = [
  'diff --git a/src/app.js b/src/app.js',
  '--- a/src/app.js',
  '+++ b/src/app.js',
  '@@ -1,4 +1,4 @@',
  ' export function greet(name) {',
  "   const who = name || 'world';",
  "-  return 'Hello ' + who;",
  "+  return ('Hello ' + who).toUpperCase();",
  ' }',
  '',
].join('\n');

export interface Workspace {
  root: string;
  fake: FakeOllama;
  cli(args: string[]): Promise<CliResult>;
  read(runId: string, rel: string): string;
  json(runId: string, rel: string): any;
  init(extra?: string[]): Promise<string>;
  /** Stops the fake server and removes the repository. */
  close(): Promise<void>;
}

/** `options.cli`: the tool's bin to run, when not this checkout's (an installed copy). */
export async function workspace(
  files: Record<string, string> = { 'src/app.js': APP_JS, 'secret/notes.txt': 'do not leak me\n' },
  options: { cli?: string } = {},
): Promise<Workspace> {
  const { root } = await makeRepo(files, { commit: Object.keys(files).length > 0 });
  const fake = await startFakeOllama();
  writeFileSync(path.join(root, 'spec.md'), '# Greeting\n\nMake greet() default to "world".\n');
  const cli = (args: string[]) => runCli(args, { cwd: root, env: { OLLAMA_HOST: fake.url }, cli: options.cli });
  const read = (runId: string, rel: string) => readFileSync(path.join(root, 'runs', runId, rel), 'utf8');
  return {
    root,
    fake,
    cli,
    read,
    json: (runId, rel) => JSON.parse(read(runId, rel)),
    async close() {
      await fake.close();
      rmSync(root, { recursive: true, force: true });
    },
    async init(extra = []) {
      const result = await cli(['init', '--spec', 'spec.md', '--planner-model', MODEL, '--executor-model', MODEL, ...extra]);
      if (result.code !== 0) throw new Error(`init failed: ${result.stderr}`);
      return result.stdout.trim();
    },
  };
}

/**
 * A copy of the shipped pack, every file of it, in the repository (untracked) as `name`, with
 * `change` applied to its manifest; returns the name to pass to `init --pack`.
 */
export function packCopy(ws: Pick<Workspace, 'root'>, name: string, change: (manifest: any) => void): string {
  const dir = path.join(ws.root, name);
  cpSync(path.join(CLI, '../../../packs/core'), dir, { recursive: true });
  const manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
  change(manifest);
  writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2));
  return name;
}

/** How many chat requests the fake server has received. */
export function chatCount(ws: Workspace): number {
  return ws.fake.requests.filter((request) => request.path === '/api/chat').length;
}

export async function verifies(ws: Workspace, run: string): Promise<void> {
  const result = await ws.cli(['verify', '--run', run]);
  assert.equal(result.code, 0, `verify ${run}: ${result.stdout}${result.stderr}`);
}
