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

/**
 * Refuses, before anything is sent, a prompt that cannot fit num_ctx together with the reply.
 * num_predict ≤ 0 (no cap / fill the context) reserves nothing for the reply, so only the
 * prompt itself is checked.
 */
export function checkContextFits(messages: ChatMessage[], params: Pick<GenerationParams, 'num_ctx' | 'num_predict'>): void {
  const prompt = estimatePromptTokens(messages);
  const reserve = params.num_predict > 0 ? params.num_predict : 0;
  if (prompt + reserve <= params.num_ctx) return;
  const what = reserve > 0 ? `with num_predict ${reserve} it does not fit` : 'it does not fit';
  throw new OrchestratorError(
    `prompt is about ${prompt} tokens; ${what} num_ctx ${params.num_ctx}: shorten the spec/context or raise num_ctx in the pack manifest`,
  );
}
