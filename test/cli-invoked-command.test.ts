import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Command } from 'commander';
import { invokedName } from '../src/cli/main.js';
import { registerCommands } from '../src/cli/registry.js';

/** A program as the CLI makes it, with the commands `registerCommands` gives it. */
function program(only?: string): Command {
  const made = new Command('llm-orchestrator').option('--repo <dir>').option('--runs-dir <dir>').option('--debug');
  registerCommands(made, only);
  return made;
}

test('the command named is found past the global options and their values', () => {
  const argv = (...args: string[]) => ['node', 'main.js', ...args];
  assert.equal(invokedName(argv('status', '--run', 'x')), 'status');
  // A value that happens to be a command's name is the option's, not the command.
  assert.equal(invokedName(argv('--repo', 'status', 'plan', '--run', 'x')), 'plan');
  assert.equal(invokedName(argv('--runs-dir', 'runs', '--debug', 'runs')), 'runs');
  assert.equal(invokedName(argv('--repo=status', 'show')), 'show');
  assert.equal(invokedName(argv('--', 'runs')), 'runs');
  assert.equal(invokedName(argv('help', 'status')), 'help');
  assert.equal(invokedName(argv('--help')), undefined);
  assert.equal(invokedName(argv()), undefined);
});

test('a command registered alone is the same command, with the same help, as among all the others', () => {
  const all = program().commands;
  for (const command of all) {
    const alone = program(command.name()).commands;
    assert.deepEqual(alone.map((c) => c.name()), [command.name()]);
    assert.equal(alone[0]!.helpInformation(), command.helpInformation());
    assert.deepEqual(alone[0]!.options.map((o) => [o.flags, o.mandatory, o.defaultValue]), command.options.map((o) => [o.flags, o.mandatory, o.defaultValue]));
  }
});

test('a word that is no command registers every command, for the listing and the suggestions', () => {
  assert.deepEqual(program('stauts').commands.map((c) => c.name()), program().commands.map((c) => c.name()));
  assert.deepEqual(program('help').commands.map((c) => c.name()), program().commands.map((c) => c.name()));
});
