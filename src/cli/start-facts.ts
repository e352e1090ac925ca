/**
 * What dist/cli/main.js (src/cli/start.cjs) found when it started the bundle, for `doctor`: a code
 * cache V8 refused (made by another Node version, or under other V8 flags) costs every command
 * its start-up time silently, and only a rebuild makes a new one.
 */
export type CodeCache = 'accepted' | 'rejected' | 'missing';

export interface StartFacts {
  codeCache: CodeCache;
}

let facts: StartFacts | null = null;

export function recordStartFacts(value: StartFacts | undefined): void {
  facts = value ?? null;
}

/** Null when the CLI was not started by main.js (e.g. from the tests' own build). */
export function startFacts(): StartFacts | null {
  return facts;
}
