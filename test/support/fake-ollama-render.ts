/**
 * Wire shapes of the fake Ollama server: how a scripted reply becomes Ollama NDJSON chunks or
 * OpenAI-compatible SSE events. Field names and order follow Ollama's Go structs (api.ChatResponse,
 * openai.ChatCompletionChunk) so the provider is tested against what the real server sends.
 */

export type FakeFault = 'http500' | 'error-in-stream' | 'cut-short' | 'hang' | 'malformed-json';

export interface FakeContentReply {
  content: string;
  thinking?: string;
  /** Split the content into exactly this many chunks; default: one word or punctuation mark each, like BPE tokens. */
  chunks?: number;
  /** done_reason to report; default 'stop' ('length' when num_predict cuts the reply). */
  done_reason?: string;
  /**
   * Silence before the reply starts, as while Ollama loads the model and reads the prompt: it
   * sends no headers until the first chunk is ready.
   */
  loadMs?: number;
}

export interface FakeFaultReply {
  fault: FakeFault;
  /** Text streamed before the fault strikes (ignored by http500). */
  content?: string;
  /** The server's error text, for http500 and error-in-stream. */
  error?: string;
}

export type FakeReply = FakeContentReply | FakeFaultReply;

export interface Piece {
  content: string;
  thinking: string;
}

/** Token-like pieces: a word with its leading space, or one punctuation mark, or trailing space. */
export function splitTokens(text: string, chunks?: number): string[] {
  if (text === '') return [];
  if (chunks === undefined) return text.match(/\s*[\p{L}\p{N}_]+|\s*[^\s\p{L}\p{N}_]|\s+/gu) ?? [text];
  const chars = Array.from(text); // code points, so a surrogate pair is never cut in half
  const n = Math.max(1, Math.min(chunks, chars.length));
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    out.push(chars.slice(Math.floor((i * chars.length) / n), Math.floor(((i + 1) * chars.length) / n)).join(''));
  }
  return out;
}

export interface PlannedReply {
  pieces: Piece[];
  doneReason: string;
  promptTokens: number;
}

/** Thinking first, then content; num_predict > 0 caps the number of pieces, as it caps tokens on a real server. */
export function planReply(reply: FakeContentReply, numPredict: unknown, promptText: string): PlannedReply {
  const pieces: Piece[] = [
    ...splitTokens(reply.thinking ?? '').map((thinking) => ({ content: '', thinking })),
    ...splitTokens(reply.content, reply.chunks).map((content) => ({ content, thinking: '' })),
  ];
  let doneReason = reply.done_reason ?? 'stop';
  if (typeof numPredict === 'number' && numPredict > 0 && pieces.length > numPredict) {
    pieces.length = numPredict;
    doneReason = 'length';
  }
  return { pieces, doneReason, promptTokens: Math.max(1, Math.ceil(promptText.length / 4)) };
}

function message(piece: Piece): Record<string, string> {
  // Go's omitempty: "thinking" only appears when there is some.
  return piece.thinking ? { role: 'assistant', content: piece.content, thinking: piece.thinking } : { role: 'assistant', content: piece.content };
}

/** Made-up but plausible durations in nanoseconds, derived from the counts so they are stable. */
function metrics(promptTokens: number, evalCount: number) {
  const load = 48_000_000;
  const promptEval = promptTokens * 400_000;
  const evalDur = evalCount * 21_000_000;
  return {
    total_duration: load + promptEval + evalDur + 3_000_000,
    load_duration: load,
    prompt_eval_count: promptTokens,
    prompt_eval_duration: promptEval,
    eval_count: evalCount,
    eval_duration: evalDur,
  };
}

export function ollamaChunk(model: string, piece: Piece): string {
  return JSON.stringify({ model, created_at: new Date().toISOString(), message: message(piece), done: false });
}

export function ollamaDone(model: string, plan: PlannedReply): string {
  return JSON.stringify({
    model,
    created_at: new Date().toISOString(),
    message: { role: 'assistant', content: '' },
    done_reason: plan.doneReason,
    done: true,
    ...metrics(plan.promptTokens, plan.pieces.length),
  });
}

/** The stream:false answer: everything in one object, as Ollama's ChatHandler accumulates it. */
export function ollamaWhole(model: string, plan: PlannedReply): string {
  const whole = { content: plan.pieces.map((p) => p.content).join(''), thinking: plan.pieces.map((p) => p.thinking).join('') };
  return JSON.stringify({
    model,
    created_at: new Date().toISOString(),
    message: message(whole),
    done_reason: plan.doneReason,
    done: true,
    ...metrics(plan.promptTokens, plan.pieces.length),
  });
}

export function ollamaError(error: string): string {
  return JSON.stringify({ error });
}

/** OpenAI error object as Ollama's openai.NewError builds it. */
export function openaiError(status: number, message: string): string {
  const type = status === 400 ? 'invalid_request_error' : status === 404 ? 'not_found_error' : 'api_error';
  return JSON.stringify({ error: { message, type, param: null, code: null } });
}

export class SseWriter {
  private readonly created = Math.floor(Date.now() / 1000);

  constructor(
    private readonly id: string,
    private readonly model: string,
  ) {}

  private base() {
    return { id: this.id, object: 'chat.completion.chunk', created: this.created, model: this.model, system_fingerprint: 'fp_ollama' };
  }

  chunk(piece: Piece, finishReason: string | null = null): string {
    const delta: Record<string, string> = { role: 'assistant', content: piece.content };
    if (piece.thinking) delta['reasoning'] = piece.thinking;
    return `data: ${JSON.stringify({ ...this.base(), choices: [{ index: 0, delta, finish_reason: finishReason }] })}\n\n`;
  }

  usage(plan: PlannedReply): string {
    const usage = { prompt_tokens: plan.promptTokens, completion_tokens: plan.pieces.length, total_tokens: plan.promptTokens + plan.pieces.length };
    return `data: ${JSON.stringify({ ...this.base(), choices: [], usage })}\n\n`;
  }

  whole(plan: PlannedReply): string {
    const content = plan.pieces.map((p) => p.content).join('');
    const reasoning = plan.pieces.map((p) => p.thinking).join('');
    const msg: Record<string, string> = { role: 'assistant', content };
    if (reasoning) msg['reasoning'] = reasoning;
    return JSON.stringify({
      id: this.id,
      object: 'chat.completion',
      created: this.created,
      model: this.model,
      system_fingerprint: 'fp_ollama',
      choices: [{ index: 0, message: msg, finish_reason: plan.doneReason }],
      usage: { prompt_tokens: plan.promptTokens, completion_tokens: plan.pieces.length, total_tokens: plan.promptTokens + plan.pieces.length },
    });
  }
}
