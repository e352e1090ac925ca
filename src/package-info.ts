import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The tool's own install folder, found by walking up from this file: the same code runs from
 * dist/ (installed) and build-test/src/ (tests), at different depths.
 */
function findPackageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = path.join(dir, 'package.json');
    if (existsSync(candidate) && existsSync(path.join(dir, 'packs'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`llm-orchestrator cannot find its package.json and packs/ in ${path.dirname(fileURLToPath(import.meta.url))} or above: reinstall the tool`);
    dir = parent;
  }
}

export const PACKAGE_ROOT = findPackageRoot();

export const TOOL_NAME = 'llm-orchestrator';

export const TOOL_VERSION: string = (JSON.parse(readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

export const DEFAULT_PACK_DIR = path.join(PACKAGE_ROOT, 'packs', 'core');
