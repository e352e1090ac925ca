import { OrchestratorError, UsageError } from '../errors.js';
import { readPersonFile, type PersonFile } from '../files/person-files.js';

export interface FeedbackOptions {
  feedback?: string | undefined;
  feedbackFile?: string | undefined;
}

/** A feedback file larger than this is a mistaken path (a log, a build output), not a note. */
const FEEDBACK_FILE_LIMIT = 1024 * 1024;

/**
 * The person's note from --feedback or --feedback-file (run-task, revise-plan), or null when
 * neither was given; read before anything else runs, so a bad path changes nothing.
 */
export function readPersonFeedback(cwd: string, options: FeedbackOptions): string | null {
  if (options.feedback !== undefined && options.feedbackFile !== undefined) {
    throw new UsageError('give either --feedback or --feedback-file, not both');
  }
  let text = options.feedback;
  if (options.feedbackFile !== undefined) {
    const file = readPersonFile(cwd, options.feedbackFile, FEEDBACK_FILE_LIMIT);
    if (!file.ok) throw new OrchestratorError(`cannot read feedback file ${options.feedbackFile} (${fileProblem(file)}): check the path, or give the text with --feedback`);
    text = file.bytes.toString('utf8');
  }
  if (text === undefined) return null;
  if (text.trim() === '') throw new UsageError('the feedback is empty: say what the model should do differently');
  return text.trim();
}

/** Why a named file could not be read, in words for a one-line error. */
export function fileProblem(file: Exclude<PersonFile, { ok: true }>): string {
  if (file.problem === 'not-a-file') return 'not a regular file';
  if (file.problem === 'too-large') return `${file.size} bytes, too large`;
  return 'not found or not readable';
}
