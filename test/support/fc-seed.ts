/**
 * One fixed seed for every fast-check property, so a CI run is deterministic and a failure is a
 * change in the code, not a lucky draw. Import this module before any `fc.assert` runs.
 *
 *   FC_SEED=<integer>  replay one seed (the one a failure printed)
 *   FC_SEED=random     explore: draw a fresh seed each run (printed on failure)
 *   FC_RUNS=<factor>   multiply every property's number of runs (e.g. 10 for a longer hunt)
 */
import fc from 'fast-check';

const FIXED_SEED = 20261126;

function chosenSeed(): number {
  const raw = process.env['FC_SEED']?.trim() ?? '';
  if (raw === '') return FIXED_SEED;
  if (raw === 'random') return (Math.random() * 0x1_0000_0000) | 0;
  if (!/^-?\d+$/.test(raw)) throw new Error(`FC_SEED=${raw}: use an integer, or "random"`);
  return Number(raw) | 0;
}

function runFactor(): number {
  const raw = process.env['FC_RUNS']?.trim() ?? '';
  const factor = raw === '' ? 1 : Number(raw);
  if (!(factor > 0)) throw new Error(`FC_RUNS=${raw}: use a positive number`);
  return factor;
}

export const seed = chosenSeed();
const factor = runFactor();

/** A property's number of runs, scaled by FC_RUNS. */
export function runs(n: number): number {
  return Math.max(1, Math.round(n * factor));
}

fc.configureGlobal({
  seed,
  numRuns: runs(100),
  reporter(details) {
    if (!details.failed) return;
    // fast-check prints the seed and path too; this line says how to get the same run back here.
    throw new Error(`${fc.defaultReportMessage(details) ?? 'property failed'}\nReplay: FC_SEED=${seed}${factor === 1 ? '' : ` FC_RUNS=${factor}`}`);
  },
});
