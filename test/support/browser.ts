import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { CHROMIUM } from './chromium.js';

export { CHROMIUM };

/** A browser that talks to nothing on its own: no updates, no sync, no first-run pages. */
export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

/**
 * Real headless Chromium with a new, empty profile. A missing or broken Chromium fails the test
 * with what to do: the report's browser test never passes by not running (on a machine without
 * Chromium it is skipped and reported as skipped, see ./chromium.ts).
 */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium is not installed at ${CHROMIUM}: install it (apt-get install -y chromium) or set CHROMIUM_PATH; the report's browser test needs it`);
  }
  const profile = mkdtempSync(path.join(tmpdir(), 'llm-orchestrator-chromium-'));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS, timeout: 90_000 });
  } catch (error) {
    rmSync(profile, { recursive: true, force: true });
    throw new Error(`Chromium at ${CHROMIUM} could not start: ${(error as Error).message.split('\n')[0]}`, { cause: error });
  }
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
