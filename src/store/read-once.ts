import { Run } from './run-store.js';

/**
 * A run as `verify` reads it: a file its later checks read again (an approval, a patch, a reply,
 * an attempt's record) is read from disk once, and every check gets the bytes the first read
 * returned, so the file whose sha256 matched the audit log is the very file the engine is re-run
 * on, even if it changes on disk meanwhile. Nothing outlives the command: a copy kept on disk
 * between runs would be one more thing to tamper with. Files not named by `keep` (requests, views)
 * are hashed and let go, so the run is not held in memory whole.
 */
export class ReadOnceRun extends Run {
  private readonly kept = new Map<string, Buffer>();

  constructor(
    run: Run,
    private readonly keep: (rel: string) => boolean,
  ) {
    super(run.id, run.dir);
  }

  override exists(rel: string): boolean {
    return this.kept.has(rel) || super.exists(rel);
  }

  override readBytes(rel: string): Buffer {
    const kept = this.kept.get(rel);
    if (kept !== undefined) return kept;
    const bytes = super.readBytes(rel);
    if (this.keep(rel)) this.kept.set(rel, bytes);
    return bytes;
  }

  override readBytesIfPresent(rel: string): Buffer | null {
    const kept = this.kept.get(rel);
    if (kept !== undefined) return kept;
    const bytes = super.readBytesIfPresent(rel);
    if (bytes !== null && this.keep(rel)) this.kept.set(rel, bytes);
    return bytes;
  }
}
