import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { Command } from 'commander';
import { registerCommands } from '../src/cli/registry.js';
import { suggestCommands } from '../src/cli/suggest-command.js';
import { CLI, runCli } from './support/cli.js';

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
    assert.deepEqual(suggestCommands('context', names), ['add-context', 'list-context']);
    // A whole name one edit away wins over the same distance to a part.
    assert.deepEqual(suggestCommands('plans', names), ['plan']);
  });

  test('nothing for words unlike every command', () => {
    assert.deepEqual(suggestCommands('frobnicate', names), []);
    assert.deepEqual(suggestCommands('x', names), []);
    assert.deepEqual(suggestCommands('', names), []);
  });
});

describe('the start-up path', () => {
  /** dist/cli/main.js and every file it imports statically: what any command, --help included, loads. */
  function startupFiles(): Map<string, string> {
    const files = new Map<string, string>();
    const visit = (file: string): void => {
      if (files.has(file)) return;
      const text = readFileSync(file, 'utf8');
      files.set(file, text);
      for (const [, spec] of text.matchAll(/^(?:import|export)\s[^;]*?from\s*"(\.[^"]+)";?$/gms)) visit(path.resolve(path.dirname(file), spec!));
      for (const [, spec] of text.matchAll(/^import\s*"(\.[^"]+)";?$/gm)) visit(path.resolve(path.dirname(file), spec!));
    };
    visit(CLI);
    return files;
  }

  test('loads no command module, no zod and no other heavy dependency: each command brings its own', () => {
    const files = startupFiles();
    const text = [...files.values()].join('\n');
    // esbuild names the source of each module in a comment: that is what this checks.
    assert.match(text, /^\/\/ src\/cli\/registry\.ts$/m, 'the bundle is not what this test expects');
    assert.doesNotMatch(text, /^\/\/ src\/cli\/commands\//m, 'a command module is loaded at start-up');
    assert.doesNotMatch(text, /^\/\/ node_modules\/(zod|tar|write-file-atomic|diff2html|picocolors)\//m, 'a heavy dependency is loaded at start-up');
    // Only the error classes, to report any failure; not the workflow or the model layer.
    assert.doesNotMatch(text, /^\/\/ src\/(core|store|git|diff|schema)\//m, 'the workflow is loaded at start-up');
    assert.doesNotMatch(text, /^\/\/ src\/model\/(?!model-request-error\.ts$)/m, 'the model layer is loaded at start-up');
    const bytes = [...files.values()].reduce((sum, file) => sum + Buffer.byteLength(file), 0);
    assert.ok(bytes < 400_000, `the start-up path is ${bytes} bytes`);
  });
});
