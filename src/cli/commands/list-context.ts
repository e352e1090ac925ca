import type { Command } from 'commander';
import { listContext } from '../../core/context.js';
import { out, setResult } from '../print.js';
import { listContextJson } from '../json-results.js';
import { workflowEnv } from '../workflow-env.js';

/** The options commander parsed (see registry.ts). */
interface Options { run: string }

export default async function listContextCommand(options: Options, command: Command): Promise<void> {
  const listing = await listContext(workflowEnv(command), options.run);
  setResult(listContextJson(listing));
  if (listing.allowlisted.length === 0 && listing.from_approved_patches.length === 0) {
    out('the executor sees no repository file yet: add some with add-context --file PATH or add-context --task TNNN');
  }
  for (const entry of listing.allowlisted) out(`${entry.path}\tadded\t${entry.sha256}\t${entry.added_at}\t${entry.added_by}`);
  for (const entry of listing.from_approved_patches) out(`${entry.path}\tapproved-patch\t${entry.task}`);
  for (const entry of listing.withheld) {
    out(`${entry.path}\twithheld\t${entry.task}\t(looks like a secret: ${entry.reason}; withheld from the executor: \`add-context --file ${entry.path} --allow-secret\` if it is not)`);
  }
  for (const entry of listing.excluded) out(`${entry.path}\tremoved\t${entry.removed_at}\t${entry.removed_by}\t(hidden from the executor)`);
}
