/**
 * The places where the engine refuses because more than one reading of the model's diff remains
 * (two places a hunk fits, two sides of added lines a dropped line could go, a marker that may be
 * missing). Each such place asks here rather than refusing outright. Ordinarily the answer is the
 * refusal. Only while something outside the diff's lines can tell the readings apart by their
 * result (the `index` line's blob ids, index-line.ts) is a reading returned instead, so that every
 * combination can be tried and judged by the file it gives; a reading is never taken on its own.
 *
 * The chooser is set for one synchronous run of exploreReadings and reset after it, so the deep
 * steps need no extra parameter and nothing outlives the run.
 */
export interface Chooser {
  /** Which of `n` readings (n ≥ 2) to follow at the next point of choice. */
  choose(n: number): number;
}

let current: Chooser | null = null;

/** One of `options`, when a chooser runs and there is a choice; otherwise `refusal` (which throws). */
export function chooseReading<T>(options: readonly T[], refusal: () => never): T {
  if (current === null || options.length === 0) return refusal();
  if (options.length === 1) return options[0] as T;
  return options[current.choose(options.length)] as T;
}

/**
 * A check that refuses on a doubt the engine can name but not enumerate (a line that may have
 * been dropped elsewhere): while a chooser runs it is skipped, and the reading as written goes on,
 * to be judged by its result.
 */
export function refuseUnlessChoosing(check: () => void): void {
  if (current === null) check();
}

export interface Explored<T> {
  result: T;
  runs: number;
}

/**
 * Runs `attempt` under a chooser once per combination of readings, depth first in a fixed order
 * (so the search is deterministic), until `accept` takes a result or `budget` runs are spent.
 * A run that refuses (or fails) just ends.
 */
export function exploreReadings<T>(attempt: () => T, accept: (result: T) => boolean, budget: number): Explored<T> | null {
  let script: number[] = [];
  for (let runs = 1; runs <= budget; runs++) {
    const counts: number[] = [];
    const chooser: Chooser = {
      choose(n) {
        const at = counts.length;
        counts.push(n);
        return Math.min(script[at] ?? 0, n - 1);
      },
    };
    const previous = current;
    current = chooser;
    let result: { value: T } | null = null;
    try {
      result = { value: attempt() };
    } catch {
      // A refusal ends this reading. So does any other error: a reading the engine would have
      // refused can reach states its later steps never see otherwise, and a model's diff must not
      // crash the tool; no result is taken from such a run either way.
    } finally {
      current = previous;
    }
    if (result !== null && accept(result.value)) return { result: result.value, runs };
    // The next combination: advance the deepest point that has a reading left, drop what follows.
    const taken = counts.map((n, i) => Math.min(script[i] ?? 0, n - 1));
    let d = counts.length - 1;
    while (d >= 0 && (taken[d] as number) + 1 >= (counts[d] as number)) d--;
    if (d < 0) return null;
    script = [...taken.slice(0, d), (taken[d] as number) + 1];
  }
  return null;
}
