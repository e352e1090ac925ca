import { EmbeddedProvider } from './embedded/embedded-provider.js';
import { OllamaProvider } from './ollama-provider.js';
import { OpenAIProvider } from './openai-provider.js';
import type { ModelProvider, ProviderKind } from './types.js';

/**
 * The embedded provider has no server: baseUrl does not apply, and node-llama-cpp is only imported
 * when it first runs a model.
 */
export function createProvider(kind: ProviderKind, baseUrl: string, env: NodeJS.ProcessEnv = process.env): ModelProvider {
  switch (kind) {
    case 'ollama':
      return new OllamaProvider(baseUrl);
    case 'openai':
      return new OpenAIProvider(baseUrl);
    case 'embedded':
      return new EmbeddedProvider(env);
  }
}
