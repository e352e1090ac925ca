import leven from 'leven';

/** More edits than this is not a typo of the command but another word. */
const MAX_EDITS = 3;

/**
 * The commands someone who typed `word` most likely meant: a typo of a whole name (`stauts`), or
 * one part of a hyphenated name (`approve`, `aprove` → approve-plan, approve-task; `list` →
 * list-context), the closest first and ties together, in registration order. Empty when nothing
 * is close: a wild guess teaches less than the command list that --help prints.
 */
export function suggestCommands(word: string, names: readonly string[]): string[] {
  const typed = word.toLowerCase();
  const scored = names.map((name) => {
    const whole = edits(typed, name);
    const part = Math.min(...name.split('-').map((piece) => edits(typed, piece)));
    // A whole-name match wins a tie: `plans` means plan before approve-plan.
    return { name, score: Math.min(whole, part + 0.5) };
  });
  const best = Math.min(...scored.map((entry) => entry.score));
  return best > MAX_EDITS ? [] : scored.filter((entry) => entry.score === best).map((entry) => entry.name);
}

/** Edit distance, or Infinity when the strings are too unlike for the distance to mean a typo. */
function edits(typed: string, candidate: string): number {
  if (candidate.length <= 1) return Infinity;
  const distance = leven(typed, candidate, { maxDistance: MAX_EDITS + 1 });
  // As commander judges it: fewer than 40% of the letters kept is a different word.
  const length = Math.max(typed.length, candidate.length);
  return (length - distance) / length > 0.4 ? distance : Infinity;
}
