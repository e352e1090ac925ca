import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, describe, test } from 'node:test';
import { Command } from 'commander';
import { registerCommands } from '../src/cli/registry.js';
import { suggestCommands } from '../src/cli/suggest-command.js';
import { CLI, runCli } from './support/cli.js';
import { bundleCoverage, coverage } from './support/v8-coverage.js';

/** Every command the registry declares, as the CLI sees them: a new one is covered without editing this file. */
function registered(): readonly Command[] {
  const program = new Command();
  registerCommands(program);
  return program.commands;
}

describe('help that teaches', () => {
  const cwd = mkdtempSync(path.join(tmpdir(), 'llm-orchestrator-help-'));
  after(() => rmSync(cwd, { recursive: true, force: true }));
  const commands = registered();

  test('the registry declares commands', () => {
    assert.ok(commands.length >= 15, `only ${commands.length} commands registered`);
  });

  for (const command of commands) {
    const name = command.name();
    test(`${name} --help: usage, a one-line purpose and a runnable example`, async () => {
      const result = await runCli([name, '--help'], { cwd });
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stderr, '');
      const lines = result.stdout.split('\n');
      assert.match(lines[0]!, new RegExp(`^Usage: llm-orchestrator ${name} `));
      // The purpose: the paragraph after the usage line, one sentence without a line break of its own.
      const purpose = command.summary();
      assert.ok(purpose.length >= 10 && !purpose.includes('\n'), `purpose of ${name}: ${JSON.stringify(purpose)}`);
      assert.equal(lines[1], '');
      assert.ok(lines[2]!.length > 0 && purpose.startsWith(lines[2]!.trim()), `help of ${name} does not start with its purpose:\n${result.stdout}`);
      const example = lines.indexOf('Example:');
      assert.ok(example > 0, `no Example: line in the help of ${name}:\n${result.stdout}`);
      assert.match(lines[example + 1]!, new RegExp(`^ {2}\\$ llm-orchestrator ${name}( |$)`));
      // The example uses only options the command has.
      const known = new Set(command.options.flatMap((option) => [option.long, option.short]).filter(Boolean));
      for (const flag of lines[example + 1]!.match(/ --?[a-z][a-z-]*/g) ?? []) {
        assert.ok(known.has(flag.trim()), `the example of ${name} uses ${flag.trim()}, which ${name} does not have`);
      }
      // Every option says what it is for.
      for (const option of command.options) assert.ok(option.description.length > 0, `${name} ${option.flags} has no description`);
    });
  }

  test('--help lists every command with its purpose, and an example to start from', async () => {
    const result = await runCli(['--help'], { cwd });
    assert.equal(result.code, 0, result.stderr);
    for (const command of commands) {
      assert.match(result.stdout, new RegExp(`^ {2}${command.name()} `, 'm'), `--help does not list ${command.name()}`);
    }
    assert.match(result.stdout, /^Example:\n {2}\$ llm-orchestrator init /m);
    assert.match(result.stdout, /llm-orchestrator status --run ID/);
  });

  test('help COMMAND is the same as COMMAND --help', async () => {
    const [viaHelp, viaFlag] = await Promise.all([runCli(['help', 'status'], { cwd }), runCli(['status', '--help'], { cwd })]);
    assert.equal(viaHelp.code, 0);
    assert.equal(viaHelp.stdout, viaFlag.stdout);
  });

  const typos: Array<[string, RegExp]> = [
    ['stauts', /\(Did you mean status\?\)/],
    ['verfy', /\(Did you mean verify\?\)/],
    ['approve', /\(Did you mean approve-plan or approve-task\?\)/],
    ['aprove', /\(Did you mean approve-plan or approve-task\?\)/],
    ['list', /\(Did you mean list-context\?\)/],
    ['apply', /\(Did you mean apply-task\?\)/],
  ];
  for (const [word, suggestion] of typos) {
    test(`an unknown command "${word}" is a usage error that names the closest command`, async () => {
      const result = await runCli([word, '--run', 'x'], { cwd });
      assert.equal(result.code, 2);
      assert.equal(result.stdout, '');
      assert.match(result.stderr, new RegExp(`^error: unknown command '${word}'\n`));
      assert.match(result.stderr, suggestion);
    });
  }

  test('an unknown command unlike any other gets no wild guess, only the way to the list', async () => {
    const result = await runCli(['frobnicate'], { cwd });
    assert.equal(result.code, 2);
    assert.doesNotMatch(result.stderr, /Did you mean/);
    assert.match(result.stderr, /add --help for usage/);
  });

  test('a mistyped option names the closest option of that command, exit 2', async () => {
    const result = await runCli(['status', '--run', 'x', '--jsn'], { cwd });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /^error: unknown option '--jsn'\n\(Did you mean --json\?\)/);
    const global = await runCli(['--rpeo', '.', 'status', '--run', 'x'], { cwd });
    assert.equal(global.code, 2);
    assert.match(global.stderr, /\(Did you mean --repo\?\)/);
  });

  test('no command at all shows the help (on stderr) and is a usage error', async () => {
    const result = await runCli([], { cwd });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /^Usage: llm-orchestrator /);
  });
});

describe('suggestCommands', () => {
  const names = registered().map((command) => command.name());

  test('whole-name typos, parts of hyphenated names, ties together in registration order', () => {
    assert.deepEqual(suggestCommands('stauts', names), ['status']);
    assert.deepEqual(suggestCommands('STATUS', names), ['status']);
    assert.deepEqual(suggestCommands('reject', names), ['reject-plan', 'reject-task']);
    assert.deepEqual(suggestCommands('context', names), ['add-context', 'remove-context', 'list-context']);
    // A whole name one edit away wins over the same distance to a part.
    assert.deepEqual(suggestCommands('plans', names), ['plan']);
  });

  test('nothing for words unlike every command', () => {
    assert.deepEqual(suggestCommands('frobnicate', names), []);
    assert.deepEqual(suggestCommands('x', names), []);
    assert.deepEqual(suggestCommands('', names), []);
  });
});

test('output into a pipe whose reader has gone is not a crash: the command finishes with its own exit code', async () => {
  const cwd = mkdtempSync(path.join(tmpdir(), 'llm-orchestrator-pipe-'));
  try {
    const child = spawn(process.execPath, [CLI, '--help'], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    // The reader goes before the first byte is written, as `| head -0` would.
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.equal(stderr, '');
    assert.equal(code, 0);
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
});

describe('the start-up path', () => {
  /**
   * The modules of the bundle a command initialised, from V8's own coverage of the process
   * (NODE_V8_COVERAGE): esbuild wraps each module of the bundle in a function named after its
   * path, run once when the module is first needed, so the functions that ran are the modules
   * initialised. Paths are given from node_modules/ on, wherever that folder is.
   */
  function initialised(args: string[], cwd?: string): string[] {
    return bundleCoverage(coverage(args, { cwd })).functions
      .filter((fn) => /^src\/|node_modules\//.test(fn.functionName) && fn.ranges[0]!.count > 0)
      .map((fn) => fn.functionName.replace(/^.*?node_modules\//, 'node_modules/'));
  }

  test('tar, jsdiff, diff2html and hogan are in a file of their own, which only the commands that use them load', () => {
    const libraries = pathToFileURL(path.join(path.dirname(CLI), 'libraries.js')).href;
    const loads = (args: string[]) => coverage(args).some((script) => script.url === libraries);
    assert.doesNotMatch(readFileSync(path.join(path.dirname(CLI), 'cli.js'), 'utf8'), /node_modules\/(tar|diff|diff2html|@profoundlogic\/hogan)\//);
    assert.equal(loads(['--help']), false);
    assert.equal(loads(['status', '--run', 'no-such-run']), false);
    assert.equal(loads(['show', '--run', 'no-such-run']), false);
    // check-patch reads replies in every edit format, so it needs jsdiff before it finds out.
    assert.equal(loads(['check-patch', 'no-such-reply.txt']), true);
  });

  test('--help initialises the argument parser and error reporting, and no command, zod or workflow module', () => {
    const modules = initialised(['--help']);
    assert.ok(modules.includes('src/cli/print.ts') && modules.includes('node_modules/commander/lib/command.js'), `the probe saw ${modules.join(', ')}`);
    assert.deepEqual(modules.filter((m) => /^src\/cli\/commands\//.test(m)), [], 'a command module is initialised at start-up');
    // Only the error classes, to report any failure; not the workflow or the model layer.
    const beyond = modules.filter((m) => /^src\/(core|store|git|diff|schema)\/|^src\/model\/(?!model-request-error\.ts$)|^node_modules\/(?!commander\/|leven\/)/.test(m));
    assert.deepEqual(beyond, [], 'more than the start-up needs is initialised');
  });

  test('a command that calls no model initialises its own modules and not the model layer, the diff engine or the archive and report code', () => {
    // An unknown run: the command's modules are initialised before it finds out.
    const modules = initialised(['status', '--run', 'no-such-run']);
    assert.ok(modules.includes('src/cli/commands/status.ts') && modules.includes('src/schema/run-files.ts'), `the probe saw ${modules.join(', ')}`);
    const unwanted = modules.filter((m) => /^src\/model\/(?!canonical-json\.ts$|types\.ts$|model-request-error\.ts$)|^src\/diff\/engine|^src\/core\/report\/|^node_modules\/(tar|diff2html)\//.test(m));
    assert.deepEqual(unwanted, []);
    // zod through zod/mini only: classic zod builds every schema with dozens of methods.
    assert.deepEqual(modules.filter((m) => m.startsWith('node_modules/zod/v4/classic/')), []);
  });

  /** Node's own modules loaded by the end of a run of the CLI, seen by a module preloaded with -r. */
  function builtinsLoaded(args: string[], cwd: string, exitCode = 0, stdout: 'pipe' | 'ignore' = 'pipe'): string[] {
    const out = path.join(cwd, '..', `loaded-${process.pid}.txt`);
    const probe = path.join(cwd, '..', `probe-${process.pid}.cjs`);
    writeFileSync(probe, `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(out)}, process.moduleLoadList.join('\\n')));`);
    try {
      const result = spawnSync(process.execPath, ['-r', probe, CLI, ...args], { cwd, encoding: 'utf8', stdio: ['ignore', stdout, 'pipe'] });
      assert.equal(result.status, exitCode, result.stderr);
      const loaded = readFileSync(out, 'utf8').split('\n');
      assert.ok(loaded.includes('NativeModule fs'), 'the probe saw the modules');
      return loaded;
    } finally {
      rmSync(out, { force: true });
      rmSync(probe, { force: true });
    }
  }

  test('a command that starts no git process, printing to a pipe, loads neither child_process nor a stdout stream (net, tty)', () => {
    const parent = mkdtempSync(path.join(tmpdir(), 'llm-orchestrator-builtins-'));
    try {
      const dir = path.join(parent, 'repo');
      mkdirSync(dir);
      // In a repository: outside one, finding out costs a git process.
      assert.equal(spawnSync('git', ['init', '-q'], { cwd: dir }).status, 0);
      const loaded = builtinsLoaded(['runs', '--runs-dir', dir], dir);
      assert.deepEqual(loaded.filter((name) => /^NativeModule (child_process|net|tty)$/.test(name)), []);
      // Help too, into a pipe or /dev/null (a character device, as a terminal is): whether to
      // colour it is decided without the stream.
      for (const stdout of ['pipe', 'ignore'] as const) {
        for (const args of [['--help'], ['status', '--help']]) {
          assert.deepEqual(builtinsLoaded(args, dir, 0, stdout).filter((name) => /^NativeModule (net|tty)$/.test(name)), [], `${args.join(' ')} into ${stdout} created process.stdout`);
        }
      }
      // status reads what the checks recorded, not the code that runs them (child processes, and
      // the tree export with node:fs/promises).
      const status = builtinsLoaded(['status', '--run', 'no-such-run'], dir, 1);
      assert.deepEqual(status.filter((name) => /^NativeModule (child_process|fs\/promises)$/.test(name)), []);
    } finally {
      rmSync(parent, { recursive: true, force: true });
    }
  });
});
