/**
 * The simulated engine's tokenizer: documented and deterministic, so that tests and load
 * generators know which tokens a text gives. Each whitespace-separated word is one token: its
 * id is `1 + FNV-1a-32(UTF-8 bytes of the word) mod 50 000`; a word `tok<N>` (N an integer below
 * 2^32) is token N itself, so token ids survive a round trip through text. A chat becomes the
 * text `<|role|> content` per message, joined by spaces, so each role marker is a token too.
 *
 * Place: `ts/serve/toy-tokenizer.ts`.
 * @module
 */

const encoder = new TextEncoder();

/** One word's token id. */
export function wordToken(word: string): number {
  const m = /^tok(\d{1,10})$/.exec(word);
  if (m !== null && Number(m[1]) <= 0xffff_ffff) return Number(m[1]);
  let h = 0x811c9dc5;
  for (const b of encoder.encode(word)) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return 1 + (h % 50_000);
}

/** The tokens of a text. */
export function toyTokenize(text: string): number[] {
  return text
    .split(/\s+/)
    .filter((w) => w.length > 0)
    .map(wordToken);
}

/** A chat message. */
export interface ChatMessage {
  /** `system`, `user`, `assistant`, … */
  readonly role: string;
  /** Its text. */
  readonly content: string;
}

/** The text a chat becomes before tokenizing (the toy chat template). */
export function toyChatText(messages: readonly ChatMessage[]): string {
  return messages.map((m) => `<|${m.role}|> ${m.content}`).join(' ');
}

/** Text for generated token ids: `tok<N>` words (which tokenize back to the same ids). */
export function detokenize(tokens: readonly number[] | Uint32Array): string {
  return Array.from(tokens, (t) => `tok${t}`).join(' ');
}
