import { EmbeddedProvider } from './embedded/embedded-provider.js';
import { OllamaProvider } from './ollama-provider.js';
import { OpenAIProvider } from './openai-provider.js';
import type { ModelProvider, ProviderKind } from './types.js';

/**
 * fetchImpl exists for tests that need to see or fake the transport; production uses Node's fetch.
 * The embedded provider has no server: baseUrl and fetchImpl do not apply, and node-llama-cpp is
 * only imported when it first runs a model.
 */
export function createProvider(kind: ProviderKind, baseUrl: string, fetchImpl?: typeof fetch, env: NodeJS.ProcessEnv = process.env): ModelProvider {
  switch (kind) {
    case 'ollama':
      return new OllamaProvider(baseUrl, fetchImpl);
    case 'openai':
      return new OpenAIProvider(baseUrl, fetchImpl);
    case 'embedded':
      return new EmbeddedProvider(env);
  }
}
