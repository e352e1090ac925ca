import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/** A text file shipped inside an installed package (a stylesheet), found the way Node resolves it. */
export function readPackageAsset(specifier: string): string {
  return readFileSync(createRequire(import.meta.url).resolve(specifier), 'utf8');
}
