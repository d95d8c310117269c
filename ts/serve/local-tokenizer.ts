/**
 * A local tokenizer for the router (`--tokenizer tokenizer.json`): Hugging Face's
 * `@huggingface/tokenizers` with the model's `tokenizer_config.json` beside it, whose
 * `chat_template` is rendered with `@huggingface/jinja` for chats. Both are optional peer
 * dependencies, loaded only here.
 *
 * Place: `ts/serve/local-tokenizer.ts`.
 * @module
 */

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { HttpError, messagesOf } from './http.js';

interface TokenizerModule {
  Tokenizer: new (
    json: unknown,
    config: unknown,
  ) => { encode(text: string, options?: { add_special_tokens?: boolean }): { ids: number[] } };
}
interface JinjaModule {
  Template: new (template: string) => { render(context: Record<string, unknown>): string };
}

async function optional<T>(name: string): Promise<T> {
  try {
    return (await import(name)) as T;
  } catch (cause) {
    throw new Error(`--tokenizer needs the optional peer dependency ${name}: npm install ${name}`, { cause });
  }
}

/** Loads a tokenizer: the function the router calls with a request body. */
export async function loadTokenizer(file: string): Promise<(body: Record<string, unknown>, chat: boolean) => number[]> {
  const json = JSON.parse(readFileSync(file, 'utf8')) as unknown;
  const configFile = join(dirname(file), 'tokenizer_config.json');
  const config = (existsSync(configFile) ? JSON.parse(readFileSync(configFile, 'utf8')) : {}) as Record<string, unknown>;
  const { Tokenizer } = await optional<TokenizerModule>('@huggingface/tokenizers');
  const tokenizer = new Tokenizer(json, config);
  let template: { render(context: Record<string, unknown>): string } | undefined;
  if (typeof config.chat_template === 'string') {
    const { Template } = await optional<JinjaModule>('@huggingface/jinja');
    template = new Template(config.chat_template);
  }
  const checked = (ids: number[]): number[] => {
    const bad = ids.findIndex((t) => !Number.isInteger(t));
    if (bad >= 0) throw new HttpError(400, `the tokenizer (${file}) gave no id for token ${bad} of the prompt`);
    return ids;
  };
  return (body, chat) => {
    if (!chat) {
      if (typeof body.prompt !== 'string') throw new HttpError(400, 'prompt must be a string or an Array of token ids');
      return checked(tokenizer.encode(body.prompt).ids);
    }
    const messages = messagesOf(body);
    if (template === undefined) throw new HttpError(400, `the tokenizer has no chat_template (${configFile})`);
    const text = template.render({
      messages,
      add_generation_prompt: true,
      bos_token: config.bos_token ?? '',
      eos_token: config.eos_token ?? '',
    });
    return checked(tokenizer.encode(text, { add_special_tokens: false }).ids);
  };
}
