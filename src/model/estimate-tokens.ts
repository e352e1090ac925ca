import { OrchestratorError } from '../errors.js';
import type { ChatMessage, GenerationParams } from './types.js';

/** Role markers and separators a chat template wraps around each message. */
const PER_MESSAGE_OVERHEAD = 8;
/** BOS token and the opening of the assistant's turn. */
const PER_PROMPT_OVERHEAD = 16;
const BYTES_PER_TOKEN = 3;

/**
 * A deliberately high estimate of how many tokens the prompt takes, without the model's tokenizer.
 *
 * BPE tokenizers of current code models average roughly 3.5–4.5 UTF-8 bytes per token on English
 * and source code, so counting one token per 3 bytes overshoots by 15–50%. Overshooting is the
 * safe side: an underestimate would let through a prompt the server then refuses (we send
 * truncate:false) after a long model load, while an overestimate only stops prompts that were
 * already within a few percent of num_ctx. Text where one character is one token (CJK) is 3
 * bytes a character in UTF-8, so it still comes out at about one token per character.
 */
export function estimatePromptTokens(messages: ChatMessage[]): number {
  let tokens = PER_PROMPT_OVERHEAD;
  for (const m of messages) {
    tokens += PER_MESSAGE_OVERHEAD + Math.ceil(Buffer.byteLength(m.content, 'utf8') / BYTES_PER_TOKEN);
  }
  return tokens;
}

/** The same estimate for one piece of text (a context file), without the message overhead. */
export function estimateTextTokens(text: string): number {
  return Math.ceil(Buffer.byteLength(text, 'utf8') / BYTES_PER_TOKEN);
}

export interface ContextOverflow {
  /** The estimated prompt size in tokens. */
  prompt: number;
  /** Tokens kept for the reply (num_predict, or 0 when it has no cap). */
  reserve: number;
  numCtx: number;
  /** prompt + reserve - num_ctx: how much must go for the call to fit. */
  over: number;
  /** The smallest power of two that holds prompt + reserve: a num_ctx that would fit. */
  suggestedNumCtx: number;
}

/**
 * How far a prompt is over num_ctx together with the reply, or null when it fits.
 * num_predict ≤ 0 (no cap / fill the context) reserves nothing for the reply, so only the
 * prompt itself is checked.
 */
export function contextOverflow(messages: ChatMessage[], params: Pick<GenerationParams, 'num_ctx' | 'num_predict'>): ContextOverflow | null {
  const prompt = estimatePromptTokens(messages);
  const reserve = params.num_predict > 0 ? params.num_predict : 0;
  const needed = prompt + reserve;
  if (needed <= params.num_ctx) return null;
  let suggestedNumCtx = 1024;
  while (suggestedNumCtx < needed) suggestedNumCtx *= 2;
  return { prompt, reserve, numCtx: params.num_ctx, over: needed - params.num_ctx, suggestedNumCtx };
}

/**
 * Refuses, before the chat request is sent, a prompt that cannot fit num_ctx together with the reply.
 * `advice` says what to do about it, knowing what the prompt is made of (the caller does).
 */
export function checkContextFits(
  messages: ChatMessage[],
  params: Pick<GenerationParams, 'num_ctx' | 'num_predict'>,
  advice: (overflow: ContextOverflow) => string = () => 'shorten the spec/context or raise num_ctx in the pack manifest',
): void {
  const overflow = contextOverflow(messages, params);
  if (overflow === null) return;
  const reply = overflow.reserve > 0 ? ` with num_predict ${overflow.reserve} kept for the reply` : '';
  throw new OrchestratorError(`the prompt is about ${overflow.prompt} tokens, ${overflow.over} over num_ctx ${overflow.numCtx}${reply}: ${advice(overflow)}`);
}
