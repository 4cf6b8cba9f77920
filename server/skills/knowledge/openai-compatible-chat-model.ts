/** A LangChain chat model for any OpenAI-compatible `/chat/completions` endpoint (OpenAI, Ollama's /v1, vLLM…). */
import type { CallbackManagerForLLMRun } from '@langchain/core/callbacks/manager';
import { SimpleChatModel, type BaseChatModelParams } from '@langchain/core/language_models/chat_models';
import type { BaseMessage } from '@langchain/core/messages';

/** Settings for {@link OpenAiCompatibleChatModel}. */
export interface OpenAiCompatibleChatModelFields extends BaseChatModelParams {
  /** Base URL up to and including `/v1`, e.g. `http://127.0.0.1:11434/v1` for Ollama. */
  baseUrl: string;
  model: string;
  /** Sent as a Bearer token when set. */
  apiKey?: string;
  /** Default 0: answers should be reproducible and stick to the sources. */
  temperature?: number;
  /** Default 30 s. */
  timeoutMs?: number;
  /** Injectable for tests; defaults to the global fetch. */
  fetch?: typeof fetch;
}

const ROLE: Record<string, string> = { system: 'system', human: 'user', ai: 'assistant', generic: 'user', tool: 'tool' };

/**
 * Why not `@langchain/openai`: its current release requires Node ≥ 22 and brings the OpenAI SDK and a tokenizer,
 * while Moneta targets Node 20. Ollama and most self-hosted servers speak the same OpenAI chat-completions API, so
 * one small fetch-based model behind LangChain's BaseChatModel interface serves both providers.
 */
export class OpenAiCompatibleChatModel extends SimpleChatModel {
  readonly baseUrl: string;
  readonly model: string;
  private readonly apiKey: string | undefined;
  private readonly temperature: number;
  private readonly timeoutMs: number;
  private readonly fetchImpl: typeof fetch;

  constructor(fields: OpenAiCompatibleChatModelFields) {
    super(fields);
    this.baseUrl = fields.baseUrl.replace(/\/+$/, '');
    this.model = fields.model;
    this.apiKey = fields.apiKey || undefined;
    this.temperature = fields.temperature ?? 0;
    this.timeoutMs = fields.timeoutMs ?? 30_000;
    this.fetchImpl = fields.fetch ?? fetch;
  }

  _llmType(): string {
    return 'openai-compatible';
  }

  async _call(messages: BaseMessage[], options: this['ParsedCallOptions'], _runManager?: CallbackManagerForLLMRun): Promise<string> {
    const signal = options.signal ? AbortSignal.any([options.signal, AbortSignal.timeout(this.timeoutMs)]) : AbortSignal.timeout(this.timeoutMs);
    const res = await this.fetchImpl(`${this.baseUrl}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(this.apiKey ? { authorization: `Bearer ${this.apiKey}` } : {}) },
      body: JSON.stringify({
        model: this.model,
        temperature: this.temperature,
        messages: messages.map((m) => ({ role: ROLE[m.getType()] ?? 'user', content: m.text })),
      }),
      signal,
    });
    if (!res.ok) throw new Error(`LLM endpoint answered HTTP ${res.status}`);
    const body = (await res.json()) as { choices?: Array<{ message?: { content?: unknown } }> };
    const content = body.choices?.[0]?.message?.content;
    if (typeof content !== 'string') throw new Error('LLM endpoint returned no message content');
    return content;
  }
}
