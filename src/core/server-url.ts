import { UsageError } from '../errors.js';
import { requireAllowedBaseUrl, resolveBaseUrl } from '../model/base-url.js';
import type { Manifest } from '../schema/run-files.js';

/**
 * The model server a run's calls go to: `--base-url` when given (the server moved), read by the
 * same rules as init's, else the one the manifest recorded. Either way a server on another
 * machine needs the run to have been created with `--allow-remote`: moving cannot widen that.
 */
export function runBaseUrl(flag: string | undefined, manifest: Manifest): string {
  if (manifest.provider === 'embedded') {
    if (flag !== undefined) throw new UsageError('--base-url does not apply to this run: its provider is embedded, so its models run inside this process');
    return manifest.base_url;
  }
  const url = flag === undefined ? manifest.base_url : resolveBaseUrl(flag, {});
  requireAllowedBaseUrl(url, manifest.allow_remote === true, 'the run was created with `init --allow-remote`');
  return url;
}
