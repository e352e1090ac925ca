import { OllamaProvider } from './ollama-provider.js';
import { OpenAIProvider } from './openai-provider.js';
import type { ModelProvider, ProviderKind } from './types.js';

/** fetchImpl exists for tests that need to see or fake the transport; production uses Node's fetch. */
export function createProvider(kind: ProviderKind, baseUrl: string, fetchImpl?: typeof fetch): ModelProvider {
  switch (kind) {
    case 'ollama':
      return new OllamaProvider(baseUrl, fetchImpl);
    case 'openai':
      return new OpenAIProvider(baseUrl, fetchImpl);
  }
}
