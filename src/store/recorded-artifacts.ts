import type { Run } from './run-store.js';

/**
 * Every `{"path":…,"sha256":…}` of the log's artifact lists. The pattern can only match where
 * JSON.stringify put such an object: inside a string every `"` is escaped, so `{"path":"` cannot
 * start within a recorded message, a reply or an argument, however hostile.
 */
const ARTIFACT = /\{"path":("(?:[^"\\]|\\.)*"),"sha256":"([0-9a-f]{64})"\}/g;

/**
 * What audit.log says each file of the run must hash to: the sha256 the last line naming it
 * recorded. A file no line names is not in the map.
 *
 * Commands that only read a run (status, show) call this on every run: a scan with one regular
 * expression over the log's text, not a JSON parse (let alone a schema check) per line, so a long
 * log costs little. Only whole lines count: a line still being written, or cut short by a full
 * disk or a kill, records nothing. Whether the chain of lines is intact is verify's question.
 */
export function recordedArtifacts(log: Buffer): Map<string, string> {
  const recorded = new Map<string, string>();
  const text = log.toString('utf8', 0, log.lastIndexOf(0x0a) + 1);
  for (const match of text.matchAll(ARTIFACT)) {
    let rel: unknown;
    try {
      rel = JSON.parse(match[1]!);
    } catch {
      continue;
    }
    if (typeof rel === 'string') recorded.set(rel, match[2]!);
  }
  return recorded;
}

const cache = new WeakMap<Run, { size: number; mtimeMs: number; recorded: Map<string, string> }>();

/**
 * recordedArtifacts of the run's audit.log; empty when there is no log. A command asks more than
 * once (the manifest, then the decisions): the log is read again only if it changed in between.
 */
export function readRecordedArtifacts(run: Run): ReadonlyMap<string, string> {
  const stat = run.statFile('audit.log');
  if (stat === null) return new Map();
  const hit = cache.get(run);
  if (hit && hit.size === stat.size && hit.mtimeMs === stat.mtimeMs) return hit.recorded;
  const recorded = recordedArtifacts(run.readBytes('audit.log'));
  cache.set(run, { size: stat.size, mtimeMs: stat.mtimeMs, recorded });
  return recorded;
}
