/**
 * `npm run demo`: the whole workflow in a throw-away git repository, against a SCRIPTED stand-in
 * for the model (the test suite's fake Ollama server replaying fixed replies). Nothing here
 * talks to a real model; it shows every command and every artifact a real run produces.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stdoutColours, type Colours } from '../src/cli/colour.js';
import { runCli } from '../test/support/cli.js';
import { startFakeOllama } from '../test/support/fake-ollama.js';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const MODEL = 'qwen2.5-coder:7b';

const plan = {
  summary: 'A to-do list CLI kept in todos.json.',
  milestones: [
    {
      id: 'M1',
      title: 'Storage and commands',
      tasks: [
        { id: 'T001', title: 'Store items in todos.json', description: 'Add src/store.js with load() and save(items).', files: ['src/store.js'], depends_on: [], acceptance: ['load() returns [] when todos.json is missing'], artifacts: ['patch.diff'] },
        { id: 'T002', title: 'Add the add command', description: 'Add src/commands.js with add(items, text) returning the new list.', files: ['src/commands.js'], depends_on: ['T001'], acceptance: ['add appends an item'], artifacts: ['patch.diff'] },
      ],
    },
  ],
};

// Written the way a small model writes: prose, a fence, and a hunk count that is one short.
const storeReply = [
  'Here is the storage module:',
  '```diff',
  'diff --git a/src/store.js b/src/store.js',
  'new file mode 100644',
  '--- /dev/null',
  '+++ b/src/store.js',
  '@@ -0,0 +1,5 @@',
  "+import { existsSync, readFileSync, writeFileSync } from 'node:fs';",
  "+const FILE = 'todos.json';",
  '+export function load() {',
  "+  return existsSync(FILE) ? JSON.parse(readFileSync(FILE, 'utf8')) : [];",
  '+}',
  "+export function save(items) { writeFileSync(FILE, JSON.stringify(items, null, 2) + '\\n'); }",
  '```',
].join('\n');

const commandsReply = [
  'diff --git a/src/commands.js b/src/commands.js',
  'new file mode 100644',
  '--- /dev/null',
  '+++ b/src/commands.js',
  '@@ -0,0 +1,3 @@',
  '+export function add(items, text) {',
  '+  return [...items, { text, done: false }];',
  '+}',
].join('\n');

// Bold on a terminal only, as the tool colours: a pipe or a file gets plain text (NO_COLOR, FORCE_COLOR as for the CLI).
let c: Colours;
function banner(text: string): void {
  process.stdout.write(`\n${c.bold(text).text}\n`);
}

let repo: string | null = null;

async function main(): Promise<void> {
  c = await stdoutColours();
  banner('llm-orchestrator demo — the model is a SCRIPTED stand-in replaying fixed replies, not a real model');
  repo = mkdtempSync(path.join(tmpdir(), 'llm-orchestrator-demo-'));
  const git = (...args: string[]) => execFileSync('git', args, { cwd: repo!, stdio: 'ignore' });
  git('init', '-q', '-b', 'main');
  git('config', 'user.name', 'Demo User');
  git('config', 'user.email', 'demo@example.invalid');
  writeFileSync(path.join(repo, 'README.md'), '# todo-cli\n');
  git('add', '.');
  git('commit', '-q', '-m', 'Initial commit');
  copyFileSync(path.join(projectRoot, 'examples/todo-cli/spec.md'), path.join(repo, 'spec.md'));

  const fake = await startFakeOllama();
  fake.enqueueReply({ content: JSON.stringify(plan) }, { content: storeReply }, { content: commandsReply });
  const step = async (args: string[]): Promise<string> => {
    process.stdout.write(`\n$ llm-orchestrator ${args.join(' ')}\n`);
    const result = await runCli(args, { cwd: repo!, env: { OLLAMA_HOST: fake.url } });
    process.stdout.write(result.stdout + result.stderr);
    if (result.code !== 0) throw new Error(`demo step failed with exit ${result.code}`);
    return result.stdout.trim();
  };
  try {
    process.stdout.write(`repository: ${repo}\n`);
    const run = (await step(['init', '--spec', 'spec.md', '--planner-model', MODEL, '--executor-model', MODEL])).split('\n')[0]!;
    await step(['plan', '--run', run]);
    await step(['approve-plan', '--run', run]);
    await step(['run-task', '--run', run, '--task', 'T001']);
    await step(['approve-task', '--run', run, '--task', 'T001']);
    await step(['run-task', '--run', run, '--task', 'T002']);
    await step(['list-context', '--run', run]);
    await step(['approve-task', '--run', run, '--task', 'T002']);
    await step(['status', '--run', run]);
    await step(['verify', '--run', run]);
    // The same scripted replies again: replay shows every recorded request gets the same answer.
    fake.enqueueReply({ content: JSON.stringify(plan) }, { content: storeReply }, { content: commandsReply });
    await step(['replay', '--run', run]);
    banner(`artifacts in ${path.join(repo, 'runs', run)}:`);
    for (const file of walk(path.join(repo, 'runs', run))) process.stdout.write(`  ${file}\n`);
  } finally {
    await fake.close();
  }
  process.stdout.write(`\nthe demo's repository stays in ${repo} to look around; remove it with: rm -rf ${repo}\n`);
}

function walk(dir: string, prefix = ''): string[] {
  return readdirSync(dir).sort().flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? walk(full, `${prefix}${name}/`) : [`${prefix}${name}`];
  });
}

main().catch((error: unknown) => {
  const where = repo === null ? '' : ` (its repository is ${repo}; remove it with: rm -rf ${repo})`;
  process.stderr.write(`demo failed: ${(error as Error).message}${where}\n`);
  process.exitCode = 1;
});
