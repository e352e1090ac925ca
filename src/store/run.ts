import { hash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { z } from 'zod/mini';
import { RunFileError } from '../errors.js';
import { canonicalJson } from '../model/canonical-json.js';
import type { AuditEntry } from '../schema/run-files.js';
import { appendLine } from './append-line.js';
import { LOCK_FILE } from './run-lock.js';
import { isNoSpace, NODE_FS, NoSpaceError, writeFileWhole, type StoreFs } from './write-whole.js';
import { crashPointAt } from '../crash-point.js';

export function sha256(data: string | Buffer): string {
  // One call, no Hash object: several times faster on small inputs, and verify hashes every file of a run.
  return hash('sha256', data, 'hex');
}

export interface WrittenArtifact {
  path: string;
  sha256: string;
}

/**
 * One run's directory. Artifacts are written once, atomically, and every write is remembered so
 * the command's audit line can name what it wrote and each file's hash.
 */
export class Run {
  private written: WrittenArtifact[] = [];
  private warnings: string[] = [];
  private shown: string[] = [];
  /** How to take back each write of this command until its audit line is written (rollback). */
  private undo: Undo[] = [];

  constructor(
    readonly id: string,
    readonly dir: string,
    private readonly fs: StoreFs = NODE_FS,
  ) {}

  private resolve(rel: string): string {
    // The run's own names (executions/T001/exec.response.json): joined as they are, which is what
    // path.resolve gives for them, without its walk over every character of the folder's path
    // (a command asks for a few files per task). Anything else is resolved, then checked.
    if (SIMPLE_PATH.test(rel) && path.sep === '/' && !this.dir.endsWith('/')) return `${this.dir}/${rel}`;
    const full = path.resolve(this.dir, rel);
    if (!full.startsWith(this.dir + path.sep)) throw new RunFileError(`refusing a path outside the run: ${rel}`);
    return full;
  }

  exists(rel: string): boolean {
    return existsSync(this.resolve(rel));
  }

  /** Size and modification time of a file of the run, or null when there is none. */
  statFile(rel: string): { size: number; mtimeMs: number } | null {
    try {
      const stat = statSync(this.resolve(rel));
      return stat.isFile() ? { size: stat.size, mtimeMs: stat.mtimeMs } : null;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }

  isDirectory(rel: string): boolean {
    const full = this.resolve(rel);
    return existsSync(full) && statSync(full).isDirectory();
  }

  list(rel: string): string[] {
    const full = this.resolve(rel);
    return existsSync(full) ? readdirSync(full).sort() : [];
  }

  /** Writes a new artifact; an artifact already recorded is never overwritten. */
  writeText(rel: string, content: string | Buffer): WrittenArtifact {
    const full = this.resolve(rel);
    if (existsSync(full)) throw new RunFileError(`${rel} already exists in run ${this.id}; artifacts are never overwritten`);
    return this.writeFile(rel, full, content);
  }

  writeJson(rel: string, value: unknown): WrittenArtifact {
    return this.writeText(rel, canonicalJson(value));
  }

  /** For the few documents that are meant to change (the context allowlist); still atomic. */
  replaceJson(rel: string, value: unknown): WrittenArtifact {
    const full = this.resolve(rel);
    return this.writeFile(rel, full, canonicalJson(value), existsSync(full) ? readFileSync(full) : null);
  }

  /** `previous`: the bytes a replaced file had, to put back if the command is rolled back. */
  private writeFile(rel: string, full: string, content: string | Buffer, previous: Buffer | null = null): WrittenArtifact {
    crashPoint();
    try {
      mkdirSync(path.dirname(full), { recursive: true });
      writeFileWhole(this.fs, full, content);
    } catch (error) {
      throw this.noSpace(error);
    }
    this.undo.push({ rel, full, previous });
    const artifact = { path: rel, sha256: sha256(content) };
    this.written.push(artifact);
    return artifact;
  }

  /** A full device as the one-line NoSpaceError; any other error as it was. */
  private noSpace(error: unknown): unknown {
    return isNoSpace(error) ? new NoSpaceError(this.dir, (error as NodeJS.ErrnoException).code!, { cause: error }) : error;
  }

  /**
   * Takes back every write of this command whose audit line is not written: files it created are
   * removed, files it replaced get their bytes back. For a command the device ran out of space
   * under: the run is then as it was before, so the same command can run again once there is
   * space, instead of finding its own half-done files in the way. Files it moved aside (a crash's
   * leftovers) stay moved and stay in its record: a rename needs no space, and moving them back
   * would put them in the way again. Returns the files that could not be taken back.
   */
  rollback(): string[] {
    const failed: string[] = [];
    const taken = new Set<string>();
    for (const step of this.undo.reverse()) {
      try {
        if (step.previous === null) this.fs.unlinkSync(step.full);
        else writeFileWhole(this.fs, step.full, step.previous);
        taken.add(step.rel);
      } catch {
        failed.push(step.rel);
      }
    }
    this.undo = [];
    this.written = this.written.filter((artifact) => !taken.has(artifact.path));
    return failed;
  }

  /**
   * Moves a file within the run and records it as this command's write at its new path (its
   * content is unchanged). Only for setting aside what a crashed command left behind.
   */
  moveAside(rel: string, to: string): WrittenArtifact {
    const from = this.resolve(rel);
    const full = this.resolve(to);
    if (existsSync(full)) throw new RunFileError(`${to} already exists in run ${this.id}; artifacts are never overwritten`);
    try {
      mkdirSync(path.dirname(full), { recursive: true });
      this.fs.renameSync(from, full);
    } catch (error) {
      throw this.noSpace(error);
    }
    const artifact = { path: to, sha256: sha256(readFileSync(full)) };
    this.written.push(artifact);
    return artifact;
  }

  readBytes(rel: string): Buffer {
    const full = this.resolve(rel);
    try {
      return readFileSync(full);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        throw this.missing(rel);
      }
      throw error;
    }
  }

  /** The error for a file of the run that must be there and is not. */
  missing(rel: string): RunFileError {
    return new RunFileError(`run ${this.id} is missing ${rel}: the run directory is incomplete or was edited; restore it from a copy of the run (${this.verifyHint()})`);
  }

  /** The file's bytes, or null when there is none: one read where exists() then readBytes() cost a stat more. */
  readBytesIfPresent(rel: string): Buffer | null {
    const full = this.resolve(rel);
    try {
      return readFileSync(full);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return null;
      throw error;
    }
  }

  readText(rel: string): string {
    return this.readBytes(rel).toString('utf8');
  }

  readJson<T extends z.ZodMiniType>(rel: string, schema: T): z.infer<T> {
    return this.parseJson(rel, this.readText(rel), schema);
  }

  /** readJson of bytes already read (and hashed): what was checked is what is parsed. */
  parseJson<T extends z.ZodMiniType>(rel: string, text: string, schema: T): z.infer<T> {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw new RunFileError(`${rel} in run ${this.id} is not valid JSON (truncated or edited?): restore it from a copy of the run`);
    }
    const parsed = schema.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue && issue.path.length > 0 ? ` at ${issue.path.join('.')}` : '';
      const version = (value as { schema_version?: unknown } | null)?.schema_version;
      const hint = version !== undefined && version !== 1 ? ` (schema_version ${String(version)}, this tool reads 1)` : '';
      // A file of another schema version was written by another version of the tool, not edited.
      const next = hint === '' ? `restore it from a copy of the run (${this.verifyHint()})` : 'read this run with the version of llm-orchestrator that wrote it';
      throw new RunFileError(`${rel} in run ${this.id} does not match its schema${hint}${where}: ${issue?.message ?? 'invalid'}; ${next}`);
    }
    return parsed.data;
  }

  private verifyHint(): string {
    return `\`verify --run ${this.id}\` lists what else changed`;
  }

  /** What this command has written so far (its audit line is not written yet): a result names only these. */
  writtenSoFar(): string[] {
    return this.written.map((artifact) => artifact.path);
  }

  takeWritten(): WrittenArtifact[] {
    const written = this.written;
    this.written = [];
    return written;
  }

  /**
   * A note for this command's audit line from code that has no CommandRecord (the model call, the
   * run's state). `show`: the person is also told, once the command ends (takeShownWarnings).
   */
  noteWarning(message: string, options: { show?: boolean } = {}): void {
    if (this.warnings.includes(message)) return;
    this.warnings.push(message);
    if (options.show === true) this.shown.push(message);
  }

  takeWarnings(): string[] {
    const warnings = this.warnings;
    this.warnings = [];
    return warnings;
  }

  takeShownWarnings(): string[] {
    const shown = this.shown;
    this.shown = [];
    return shown;
  }

  /**
   * Appends one line that names the hash of the line before it (`prev`), so the log is a hash
   * chain; see append-line.ts for a last line left without its newline. The line is this
   * command's commit point: once written, its writes are no longer rolled back.
   */
  appendAudit(entry: Omit<AuditEntry, 'prev'>): string {
    crashPoint();
    let line: string;
    try {
      line = appendLine(this.fs, this.resolve('audit.log'), entry);
    } catch (error) {
      throw this.noSpace(error);
    }
    this.undo = [];
    return line;
  }

  /** Every regular file of the run, as sorted run-relative paths with '/'; symlinks are listed apart. */
  listAllFiles(): { files: string[]; links: string[] } {
    const files: string[] = [];
    const links: string[] = [];
    const walk = (rel: string): void => {
      // The kind of each entry as the listing gives it (Node asks lstat where the file system does not say): no stat per file.
      for (const entry of readdirSync(rel === '' ? this.dir : path.join(this.dir, rel), { withFileTypes: true })) {
        const child = rel === '' ? entry.name : `${rel}/${entry.name}`;
        if (child === LOCK_FILE) continue; // who is running a command now, not part of the record
        if (entry.isSymbolicLink()) links.push(child);
        else if (entry.isDirectory()) walk(child);
        else if (entry.isFile()) files.push(child);
      }
    };
    walk('');
    return { files: files.sort(), links: links.sort() };
  }

  readAudit(): string[] {
    if (!this.exists('audit.log')) return [];
    return this.readText('audit.log').split('\n').filter((line) => line.length > 0);
  }
}

/** Names made of ordinary characters, with no empty, `.` or `..` part: inside the folder they are joined to. */
const SIMPLE_PATH = /^(?!\.\.?(?:\/|$))[\w.-]+(?:\/(?!\.\.?(?:\/|$))[\w.-]+)*$/;

interface Undo {
  rel: string;
  full: string;
  /** The bytes a replaced file had; null for a file the command created. */
  previous: Buffer | null;
}

/** Crash tests: LLM_ORCHESTRATOR_CRASH_AT_WRITE=N kills the process just before its Nth write into a run. */
const crashPoint = crashPointAt('LLM_ORCHESTRATOR_CRASH_AT_WRITE');
