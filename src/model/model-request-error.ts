import { ModelCallError } from '../errors.js';
import type { ChatResult } from './types.js';

export type ModelFailureReason =
  | 'unreachable' // no connection (refused, DNS, reset before any answer)
  | 'model-missing' // the server does not have the model
  | 'http-error' // any other non-2xx answer
  | 'stream-error' // the server reported an error inside a 200 stream
  | 'cut-short' // the stream ended before the server said it was done
  | 'malformed-reply' // a line or event that is not the JSON the protocol promises
  | 'timeout' // timeoutMs elapsed
  | 'aborted' // the caller's AbortSignal fired
  | 'over-limit'; // the reply passed ChatOptions.maxReplyBytes; the call was stopped

/**
 * A ModelCallError that also says what kind of failure it was and keeps what had arrived.
 * Lives here rather than in src/errors.ts because `partial` is a model-layer type.
 */
export class ModelRequestError extends ModelCallError {
  readonly reason: ModelFailureReason;
  /** The reply assembled before the failure (sendChat only); null when nothing was streamed. */
  readonly partial: ChatResult | null;

  constructor(
    message: string,
    info: {
      url: string;
      reason: ModelFailureReason;
      status?: number | null;
      body?: string | null;
      cause?: unknown;
      partial?: ChatResult | null;
    },
  ) {
    super(message, info);
    this.reason = info.reason;
    this.partial = info.partial ?? null;
  }

  /** True only when the caller's own signal stopped the call (not on timeout). */
  get aborted(): boolean {
    return this.reason === 'aborted';
  }
}

/** `it has a, b` — at most ten names, so the message stays one readable line. */
export function serverHas(names: string[]): string {
  if (names.length === 0) return 'it has no models';
  const shown = names.slice(0, 10).join(', ');
  return names.length > 10 ? `it has ${shown} and ${names.length - 10} more` : `it has ${shown}`;
}
