/**
 * How many lines of a reply start a hunk (`@@`), counted without parsing: the number that bounds
 * the engine's work, checked before the engine runs.
 */
export function countHunkHeaders(reply: string): number {
  let count = 0;
  for (let at = reply.startsWith('@@') ? 0 : reply.indexOf('\n@@'); at !== -1; at = reply.indexOf('\n@@', at + 1)) count++;
  return count;
}
