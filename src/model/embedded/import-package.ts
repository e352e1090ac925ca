/**
 * `import()` of an ES module package, in a module of its own because the bundle cannot do it: the
 * bin compiles cli.js from a V8 code cache as a `vm.Script`, and on Node 20 such a script's
 * `import()` fails (no dynamic import callback). The build gives the bundle dist/cli/import-package.cjs
 * instead of this module, a file Node's own loader compiles; the tests run this one.
 */
export function importPackage(name: string): Promise<unknown> {
  return import(name);
}
