import { existsSync } from 'node:fs';

/**
 * Where the report's browser test finds Chromium, and whether a machine without it may skip that
 * test. Kept free of playwright so `scripts/run-tests.mjs` can ask the same question after the build
 * without loading a browser driver.
 */

/** Debian's `chromium` package; CHROMIUM_PATH points elsewhere on other systems. */
export const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

/** CI sets CI (GitHub, GitLab and most others to "true"); there a missing browser is a failure. */
export function chromiumRequired(env: NodeJS.ProcessEnv = process.env): boolean {
  const ci = env['CI'];
  return ci !== undefined && ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false';
}

/**
 * Why the browser test does not run here, or undefined when it does. Only a person's machine
 * skips it: under CI the test runs and fails with what to install, so it never passes by not running.
 */
export function browserTestSkipReason(): string | undefined {
  if (chromiumRequired() || existsSync(CHROMIUM)) return undefined;
  return `no Chromium at ${CHROMIUM}`;
}

/** The one line printed after the suite when the browser test was skipped. */
export function browserTestSkipLine(reason: string): string {
  return `skipped the report's browser tests (test/workflow-report-browser.test.ts, and the check results in test/workflow-checks.test.ts): ${reason}; to run them, install Debian's chromium (apt-get install chromium) or set CHROMIUM_PATH to a Chromium`;
}
