import type { ChatProgress } from '../model/types.js';
import { writeLive } from './print.js';

/** `qwen2.5-coder:7b  12.3 s  345 tokens  28.1 tokens/s` */
export function formatProgress(progress: ChatProgress & { model: string }): string {
  const seconds = progress.elapsedMs / 1000;
  const rate = seconds > 0 ? progress.tokens / seconds : 0;
  return `${progress.model}  ${seconds.toFixed(1)} s  ${progress.tokens} tokens  ${rate.toFixed(1)} tokens/s`;
}

/**
 * The live line during a model call, redrawn at most every 100 ms (a terminal flooded with
 * redraws slows the very stream it reports on). It is erased by the next output (print.ts) or error.
 */
export function progressLine(): { onProgress: (progress: ChatProgress & { model: string }) => void } {
  let last = 0;
  return {
    onProgress(progress) {
      const now = Date.now();
      if (now - last < 100) return;
      last = now;
      writeLive(formatProgress(progress));
    },
  };
}
