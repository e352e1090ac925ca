/**
 * `npm run build` (after the type check): the CLI as one small start-up file plus chunks.
 *
 * Node 20 spends most of a short command's life loading modules: each ESM file costs a resolve,
 * a read and a compile, and zod, commander and our own graph are well over a hundred files.
 * Bundled, `dist/cli/main.js` holds only what every command needs (argument parsing, the command
 * registry, error reporting); each command's module, and whatever it alone imports, is a chunk
 * under dist/cli/chunks/ loaded by the registry's `import()` when that command runs. Code that
 * several commands share (schemas, the run store) lands in shared chunks, loaded once.
 *
 * Plain .mjs so it runs before anything is compiled. No minification: stack traces with --debug
 * stay readable, and the files are small enough that parsing them is not where time goes.
 */
import { readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outdir = path.join(root, 'dist', 'cli');

/**
 * Packages kept out of the bundle and loaded from node_modules as they are: ones with native code
 * or that find files next to themselves at run time (diff2html's templates use __filename), which
 * a bundle would break. They are imported lazily by the one command that needs them.
 */
const EXTERNAL = ['diff2html', 'node-llama-cpp', 'playwright-core'];

/**
 * zod re-exports all of its ~60 locales as `z.locales`, so a bundle parses and runs every one of
 * them at start-up although the tool never switches zod's language (English is registered by zod
 * itself, from locales/en.js). Its locales/index.js is replaced by an empty module in the bundle.
 */
const zodWithoutLocales = {
  name: 'zod-without-locales',
  setup(build) {
    build.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      /[\\/]node_modules[\\/]zod[\\/]/.test(args.importer) ? { path: 'zod-locales', namespace: 'empty' } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'empty' }, () => ({ contents: 'export {};', loader: 'js' }));
  },
};

const result = await build({
  absWorkingDir: root,
  entryPoints: { main: 'src/cli/main.ts' },
  outdir,
  entryNames: '[name]',
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20.17',
  external: EXTERNAL,
  // Bundled CommonJS dependencies call require() for Node's built-ins, and write-file-atomic
  // hashes __filename into its temporary names: an ES module has neither, so each file gets them.
  banner: {
    js: [
      "import { createRequire as __createRequire } from 'node:module';",
      "import { fileURLToPath as __fileURLToPath } from 'node:url';",
      'const require = __createRequire(import.meta.url);',
      'const __filename = __fileURLToPath(import.meta.url);',
    ].join(' '),
  },
  legalComments: 'linked',
  logLevel: 'warning',
  metafile: true,
  plugins: [zodWithoutLocales],
});

// Whatever else is in dist/ (an older build's chunks, tsc's file-by-file output) is removed after
// the new files are in place, so no stale module can be loaded and a CLI started a moment ago
// during the build still finds its own.
const written = new Set(Object.keys(result.metafile.outputs).map((file) => path.resolve(root, file)));
for (const entry of readdirSync(path.join(root, 'dist'), { recursive: true, withFileTypes: true })) {
  const file = path.join(entry.parentPath, entry.name);
  if (entry.isFile() && !written.has(file)) rmSync(file);
}
const dirs = readdirSync(path.join(root, 'dist'), { recursive: true, withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => path.join(entry.parentPath, entry.name))
  .sort((a, b) => b.length - a.length); // deepest first, so a folder of empty folders goes too
for (const dir of dirs) if (readdirSync(dir).length === 0) rmSync(dir, { recursive: true });
