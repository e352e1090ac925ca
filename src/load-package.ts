/**
 * Loads a package kept out of the bundle (node-llama-cpp) when a command first needs it.
 *
 * In the built CLI this module is replaced (scripts/build-cli.mjs) by one that calls the loader
 * dist/cli/main.js hands to the bundle: the bundle runs as a vm.Script with V8's code cache, and
 * on Node 20 a script compiled from a code cache cannot use import() itself. The loader is
 * main.js's own import(), so a package resolves from the tool's folder exactly as it would here.
 */
export function loadPackage<T>(name: string): Promise<T> {
  return import(name) as Promise<T>;
}
