import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

/**
 * docs/ARCHITECTURE.md's layer rules, checked on the sources: a rule only the document states is
 * broken by the first hurried change. Imports are read with a regular expression over the
 * TypeScript sources (static `from '…'` and dynamic `import('…')`).
 */
const SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src');

interface Source {
  file: string;
  text: string;
  /** Relative imports resolved to files under src/, and bare package or node: specifiers. */
  local: string[];
  packages: string[];
}

function sources(): Source[] {
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.ts')) files.push(path.relative(SRC, full).split(path.sep).join('/'));
    }
  };
  walk(SRC);
  return files.sort().map((file) => {
    const text = readFileSync(path.join(SRC, file), 'utf8');
    const specifiers = [...text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*)'([^']+)'/g)].map((match) => match[1]!);
    const local = specifiers
      .filter((spec) => spec.startsWith('.'))
      .map((spec) => path.posix.normalize(path.posix.join(path.posix.dirname(file), spec)).replace(/\.js$/, '.ts'))
      .filter((target) => files.includes(target));
    return { file, text, local, packages: specifiers.filter((spec) => !spec.startsWith('.')) };
  });
}

const layer = (file: string): string => (file.includes('/') ? file.split('/')[0]! : '(root)');

describe('architecture: the layers docs/ARCHITECTURE.md describes', () => {
  const all = sources();

  test('the sources were found (the rules below are not vacuous)', () => {
    assert.ok(all.length > 100, `only ${all.length} files under ${SRC}`);
    assert.ok(all.some((source) => source.file === 'cli/main.ts'));
  });

  test('the workflow core touches no file system, process or archive itself: only through the layers below', () => {
    const forbidden = ['node:fs', 'node:fs/promises', 'fs', 'write-file-atomic', 'tar', 'node:child_process'];
    const found = all
      .filter((source) => layer(source.file) === 'core')
      .flatMap((source) => source.packages.filter((spec) => forbidden.includes(spec)).map((spec) => `${source.file} imports ${spec}`));
    assert.deepEqual(found, []);
  });

  test('layers depend only downward: nothing below the core imports the core or the CLI, the core never the CLI', () => {
    const below = new Set(['store', 'git', 'diff', 'model', 'schema', 'pack', 'checks', 'files']);
    const found = all.flatMap((source) =>
      source.local
        .filter((target) => (below.has(layer(source.file)) && ['core', 'cli'].includes(layer(target))) || (layer(source.file) === 'core' && layer(target) === 'cli'))
        .map((target) => `${source.file} -> ${target}`),
    );
    assert.deepEqual(found, []);
  });

  test('only git/ spawns processes, besides checks/ (a person\'s check) and the CLI\'s editor', () => {
    const allowed = new Set(['git', 'checks']);
    const found = all
      .filter((source) => source.packages.includes('node:child_process') && !allowed.has(layer(source.file)) && source.file !== 'cli/commands/edit-plan.ts')
      .map((source) => source.file);
    assert.deepEqual(found, []);
  });

  test('no circle of imports', () => {
    const graph = new Map(all.map((source) => [source.file, source.local]));
    const circles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const stack: string[] = [];
    const visit = (file: string): void => {
      state.set(file, 'open');
      stack.push(file);
      for (const next of graph.get(file) ?? []) {
        if (state.get(next) === 'open') circles.push([...stack.slice(stack.indexOf(next)), next].join(' -> '));
        else if (!state.has(next)) visit(next);
      }
      stack.pop();
      state.set(file, 'done');
    };
    for (const file of graph.keys()) if (!state.has(file)) visit(file);
    assert.deepEqual(circles, []);
  });

  test('only src/cli/main.ts sets the exit code: commands return it or throw', () => {
    const found = all.filter((source) => /process\.exitCode\s*=/.test(source.text) && source.file !== 'cli/main.ts').map((source) => source.file);
    assert.deepEqual(found, []);
  });

  test('command handlers declare their options\' type: no untyped record, no non-null assertions on options', () => {
    const found = all
      .filter((source) => source.file.startsWith('cli/commands/'))
      .filter((source) => /Record<string, (string \| undefined|unknown)>/.test(source.text) || /\boptions\.\w+!/.test(source.text))
      .map((source) => source.file);
    assert.deepEqual(found, []);
  });
});
