import type { LineTable } from './reply-diff.js';

/**
 * The repaired diff, built one file patch at a time, compared with the extracted diff as each comes:
 * while every patch is the extracted text's next lines, only where they end is kept, so a diff that
 * needs no change is handed back as it came, never held a second time (as a string per file).
 * From the first patch that differs, the ones before are taken from the extracted text, and each
 * later one is joined as soon as it is repaired, so it does not hold its base file's lines.
 */
export class RepairedText {
  count = 0;
  /** Where the patches that matched end in `extracted` (after their final '\n'). */
  private at = 0;
  /** Null while every patch matched. */
  private parts: string[] | null = null;
  constructor(private readonly extracted: string) {}

  add(lines: readonly string[]): void {
    // Joined, then compared in one pass: a line at a time would flatten each line's pieces apart.
    this.addPart(lines.join('\n'));
  }

  /**
   * A file patch that is the extracted text's own lines `from` up to `to`, after `header` when
   * given (as-written.ts took it): only where it ends is kept while the patches match.
   */
  addLines(table: LineTable, from: number, to: number, header: readonly string[] | null): void {
    const start = table.start(from);
    if (header === null && this.parts === null && start === this.at) {
      this.count++;
      this.at = table.end(to - 1) + 1;
      return;
    }
    const lines = this.extracted.slice(start, table.end(to - 1));
    this.addPart(header === null ? lines : `${header.join('\n')}\n${lines}`);
  }

  private addPart(part: string): void {
    this.count++;
    if (this.parts === null) {
      if (this.extracted.startsWith(part, this.at) && this.extracted.charCodeAt(this.at + part.length) === 10) {
        this.at += part.length + 1;
        return;
      }
      this.parts = this.matched();
    }
    this.parts.push(part);
  }

  text(): string {
    if (this.parts === null && this.at === this.extracted.length && this.count > 0) return this.extracted;
    return `${(this.parts ?? this.matched()).join('\n')}\n`;
  }

  private matched(): string[] {
    return this.at === 0 ? [] : [this.extracted.slice(0, this.at - 1)];
  }
}
