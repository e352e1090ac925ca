/**
 * `npm run build` (after the type check): the CLI as one CommonJS bundle plus a V8 code cache.
 *
 * A command that calls no model must start in about the time of a bare `node`, and on Node 20
 * most of a short command's life went to loading modules: the ES module loader resolves, reads
 * and compiles each file in turn, and zod, commander and our own graph are over a hundred of
 * them. So:
 * - dist/cli/cli.js is the whole CLI, bundled as CommonJS (dist/cli/package.json says so). Each
 *   command's module is reached through the registry's import(), which esbuild turns into a lazy
 *   initialiser: a command evaluates only its own code, although all of it is in one file.
 * - dist/cli/cli.cache is V8's code cache of that file, made here; dist/cli/main.js (the bin, from
 *   src/cli/start.cjs) compiles the bundle with it, so the file is not parsed at start-up. V8
 *   refuses the cache under another Node version or other flags, and the CLI compiles as usual.
 *
 * Plain .mjs so it runs before anything is compiled. No minification: stack traces with --debug
 * stay readable, and with the code cache the source's size is not where time goes.
 */
import { chmodSync, copyFileSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import Module from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import { build } from 'esbuild';
import { bundledLicenses } from './bundled-licenses.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outdir = path.join(root, 'dist', 'cli');
const bundle = path.join(outdir, 'cli.js');
const cache = path.join(outdir, 'cli.cache');
const start = path.join(outdir, 'main.js');
const packageJson = path.join(outdir, 'package.json');
const licenses = path.join(outdir, 'LICENSES.txt');

/**
 * Packages kept out of the bundle and loaded from node_modules as they are: ones with native code,
 * which a bundle would break. They are imported lazily by the one command that needs them. All
 * else is in the bundle, so an installed tool needs nothing from node_modules but these.
 */
const EXTERNAL = ['node-llama-cpp', 'playwright-core'];

/**
 * src/files/diff2html-css.ts reads diff2html's stylesheet from node_modules, which an
 * installed tool does not have: in the bundle it returns the stylesheet's text, read here.
 */
const diff2htmlCssInBundle = {
  name: 'diff2html-css-in-bundle',
  setup(build) {
    build.onLoad({ filter: /[\\/]src[\\/]files[\\/]diff2html-css\.ts$/ }, () => {
      const css = readFileSync(Module.createRequire(import.meta.url).resolve('diff2html/bundles/css/diff2html.min.css'), 'utf8');
      return { contents: `export function diff2htmlCss() { return ${JSON.stringify(css)}; }`, loader: 'js' };
    });
  },
};

/**
 * src/load-package.ts imports a package with import(), which a script compiled from a code cache
 * cannot do on Node 20: in the bundle it calls the loader dist/cli/main.js passes in instead.
 */
const packageLoaderFromStart = {
  name: 'package-loader-from-start',
  setup(build) {
    build.onLoad({ filter: /[\\/]src[\\/]load-package\.ts$/ }, () => ({
      contents: 'export function loadPackage(name) { return __load_package(name); }',
      loader: 'js',
    }));
  },
};

/**
 * The bundle is written as one function expression, the way Node wraps a CommonJS module plus the
 * package loader, so dist/cli/main.js compiles the file's text exactly as it is: the text the code
 * cache below is made from, byte for byte (V8 checks a cache against the source's length only).
 */
// Strict as the ES modules it is made of: esbuild's own "use strict" comes after the banner, too late.
const WRAPPER = ['(function (exports, require, module, __filename, __dirname, __load_package) { "use strict";', '\n})'];

/** A plugin that gives one package, for one import, the module `contents` instead. */
function replaceImport(name, { packageName, specifier, contents }) {
  const importer = new RegExp(`[\\\\/]node_modules[\\\\/]${packageName}[\\\\/]`);
  return {
    name,
    setup(build) {
      build.onResolve({ filter: specifier }, (args) => (importer.test(args.importer) ? { path: name, namespace: name } : undefined));
      build.onLoad({ filter: /.*/, namespace: name }, () => ({ contents, loader: 'js' }));
    },
  };
}

const replacedImports = [
  // zod's locales/index.js re-exports all of its ~60 locales; anything that reaches it would put
  // every one of them in the bundle, although the tool only registers English (src/schema/zod.ts,
  // from locales/en.js).
  replaceImport('zod-without-locales', { packageName: 'zod', specifier: /^\.\.\/locales\/index\.js$/, contents: 'export {};' }),
  // commander requires child_process when it loads, for executable subcommands, which this tool
  // does not have; child_process brings net and streams with it, a few milliseconds of every
  // command's start. Here commander gets child_process on first use instead.
  replaceImport('lazy-child-process-for-commander', {
    packageName: 'commander',
    specifier: /^(node:)?child_process$/,
    contents: "module.exports = new Proxy({}, { get: (_, name) => require('node:child_process')[name] });",
  }),
  // write-file-atomic puts the thread id in its temporary file names, to keep two threads of one
  // process apart, and loads worker_threads for it when it loads (a few milliseconds of every
  // command's start). The CLI runs on the main thread only, whose id is 0.
  replaceImport('main-thread-for-write-file-atomic', {
    packageName: 'write-file-atomic',
    specifier: /^(node:)?worker_threads$/,
    contents: 'module.exports = { threadId: 0, isMainThread: true };',
  }),
];

const result = await build({
  absWorkingDir: root,
  entryPoints: ['src/cli/main.ts'],
  outfile: bundle,
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20.17',
  external: EXTERNAL,
  // The sources are ES modules (the tests run them as such); in a CommonJS bundle import.meta is
  // empty, so its two uses get their CommonJS equivalents.
  define: { 'import.meta.url': '__import_meta_url', 'import.meta.resolve': '__import_meta_resolve' },
  banner: {
    js: [
      WRAPPER[0],
      "const __import_meta_url = require('node:url').pathToFileURL(__filename).href;",
      "const __import_meta_resolve = (specifier) => require('node:url').pathToFileURL(require.resolve(specifier)).href;",
    ].join(' '),
  },
  footer: { js: WRAPPER[1] },
  // Template literals as string concatenation: esbuild then writes every non-ASCII character as
  // an escape, as it does in other strings, and the bundle is ASCII (checked below).
  supported: { 'template-literal': false },
  legalComments: 'linked',
  logLevel: 'warning',
  metafile: true,
  plugins: [packageLoaderFromStart, diff2htmlCssInBundle, ...replacedImports],
});

// An ASCII bundle is read as latin1 by start.cjs: a one-byte string at once, where UTF-8 decoding
// and V8's two-byte strings cost a few milliseconds of every start.
const bundleBytes = readFileSync(bundle);
const nonAscii = bundleBytes.findIndex((byte) => byte > 0x7f);
if (nonAscii !== -1) {
  const line = bundleBytes.subarray(0, nonAscii).toString('latin1').split('\n').length;
  throw new Error(`dist/cli/cli.js line ${line} holds a non-ASCII character (in a comment esbuild kept?): write it as an escape in the source`);
}

writeFileSync(packageJson, '{\n  "type": "commonjs"\n}\n');
writeFileSync(licenses, bundledLicenses(root, Object.keys(result.metafile.inputs)));
copyFileSync(path.join(root, 'src', 'cli', 'start.cjs'), start);
chmodSync(start, 0o755);
// The text start.cjs compiles, so V8 accepts the cache there. The cache holds
// the functions compiled when it is made: the bundle's top level, and what its warmUp() runs (the
// argument parsing and file checks every short command does), so a command compiles little else.
const script = new vm.Script(readFileSync(bundle, 'latin1'), { filename: bundle });
const cli = { exports: {} };
const refuse = (name) => Promise.reject(new Error(`the build's warm-up must not load ${name}`));
script.runInThisContext()(cli.exports, Module.createRequire(bundle), cli, bundle, outdir, refuse);
await cli.exports.warmUp();
writeFileSync(cache, script.createCachedData());

// Whatever else is in dist/ (an older build's chunks, tsc's file-by-file output) is removed after
// the new files are in place, so no stale module can be loaded and a CLI started a moment ago
// during the build still finds its own.
const written = new Set([...Object.keys(result.metafile.outputs).map((file) => path.resolve(root, file)), packageJson, start, cache, licenses]);
for (const entry of readdirSync(path.join(root, 'dist'), { recursive: true, withFileTypes: true })) {
  const file = path.join(entry.parentPath, entry.name);
  if (entry.isFile() && !written.has(file)) rmSync(file);
}
const dirs = readdirSync(path.join(root, 'dist'), { recursive: true, withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => path.join(entry.parentPath, entry.name))
  .sort((a, b) => b.length - a.length); // deepest first, so a folder of empty folders goes too
for (const dir of dirs) if (readdirSync(dir).length === 0) rmSync(dir, { recursive: true });
