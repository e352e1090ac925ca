import type { ModelCallWatch } from '../core/workflow-env.js';
import type { ChatProgress } from '../model/types.js';
import { clearLive, writeLive } from './print.js';

/** How often the live line is redrawn: often enough for tenths of a second, no more (a terminal flooded with redraws slows the very stream it reports on). */
const REDRAW_MS = 100;

/**
 * `waiting for qwen2.5-coder:7b… 3.2 s` until the first token, then
 * `qwen2.5-coder:7b  12.3 s  345 tokens  28.1 tokens/s`: the time counts from the request, the
 * rate from the first token (the wait before it is loading and prompt reading, not generation).
 */
export function formatProgress(model: string, nowMs: number, progress: ChatProgress | null): string {
  const seconds = (nowMs / 1000).toFixed(1);
  if (progress === null || progress.firstTokenMs === null) return `waiting for ${model}… ${seconds} s`;
  // n tokens arrived over n - 1 gaps after the first one.
  const span = (progress.elapsedMs - progress.firstTokenMs) / 1000;
  const rate = span > 0 ? (progress.tokens - 1) / span : 0;
  return `${model}  ${seconds} s  ${progress.tokens} tokens  ${rate.toFixed(1)} tokens/s`;
}

/**
 * The live line during a model call: drawn as the request is sent and redrawn on a timer, so it
 * moves while the server is silent (a model loading can take minutes) as well as while tokens
 * arrive. It is erased by the next output (print.ts) or error, and when the call ends.
 */
export function watchModelCall(model: string): ModelCallWatch {
  const started = Date.now();
  let latest: ChatProgress | null = null;
  const draw = () => writeLive(formatProgress(model, Date.now() - started, latest));
  draw();
  const timer = setInterval(draw, REDRAW_MS);
  // The line never keeps the process alive on its own.
  timer.unref();
  return {
    onProgress(progress) {
      const first = latest === null;
      latest = progress;
      if (first) draw();
    },
    end() {
      clearInterval(timer);
      clearLive();
    },
  };
}
