import { yieldToEventLoop } from './in-slices.js';
import { VALUES_PER_SLICE, type Pause } from './in-slices.js';

/**
 * Where a JSON text first goes wrong, as line and column, and what was
 * expected there. Only called after JSON.parse has failed. V8's own message
 * is not used: it quotes the text around the error ("Unexpected token 'r',
 * "root:x:0:0"... is not valid JSON"), and an error must never show a file's
 * content. Iterative, with an explicit stack, so a file nested a million
 * levels deep cannot overflow the call stack, and it pauses every
 * VALUES_PER_SLICE values: scanning a broken 4 MB file takes ~35 ms (hot reload).
 */
export interface JsonSyntaxError {
  line: number;
  column: number;
  /** What the scanner wanted at that spot, in words; never the text found there. */
  expected: string;
}

export async function jsonSyntaxError(text: string, pause: Pause = yieldToEventLoop): Promise<JsonSyntaxError> {
  const { offset, expected } = await firstError(text, pause);
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: offset - lineStart + 1, expected };
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const HEX4 = /[0-9a-fA-F]{4}/y;

async function firstError(text: string, pause: Pause): Promise<{ offset: number; expected: string }> {
  let i = 0;
  /** Open containers: '}' for an object, ']' for an array. */
  const stack: string[] = [];
  const space = (): void => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++;
  };
  const fail = (expected: string) => ({ offset: i, expected: i >= text.length ? `${expected}, but the file ends` : expected });

  /** Scans a string at i (which is '"'); returns an error or undefined. */
  const string = (): { offset: number; expected: string } | undefined => {
    i++;
    for (;;) {
      if (i >= text.length) return fail('a closing double quote');
      const code = text.charCodeAt(i);
      if (code === 0x22) return void i++;
      if (code < 0x20) return fail('no control character inside a string (escape it)');
      if (code === 0x5c) {
        const next = text[i + 1];
        if (next === 'u') {
          i += 2;
          HEX4.lastIndex = i;
          if (!HEX4.test(text)) return fail('four hexadecimal digits after \\u');
          i += 4;
        } else if (next !== undefined && '"\\/bfnrt'.includes(next)) {
          i += 2;
        } else {
          i += 1;
          return fail('an escape: one of \\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX');
        }
      } else i++;
    }
  };

  for (let values = 1; ; values += 1) {
    if (values % VALUES_PER_SLICE === 0) await pause();
    // Expecting a value.
    space();
    const ch = text[i];
    if (ch === '{' || ch === '[') {
      stack.push(ch === '{' ? '}' : ']');
      i++;
      space();
      if (text[i] === stack.at(-1)) {
        i++;
        stack.pop();
      } else if (ch === '{') {
        if (text[i] !== '"') return fail('a property name in double quotes or "}"');
        const bad = string();
        if (bad) return bad;
        space();
        if (text[i] !== ':') return fail('":" after the property name');
        i++;
        continue;
      } else continue;
    } else if (ch === '"') {
      const bad = string();
      if (bad) return bad;
    } else if (ch === 't' || ch === 'f' || ch === 'n') {
      const word = ch === 't' ? 'true' : ch === 'f' ? 'false' : 'null';
      if (!text.startsWith(word, i)) return fail('a value (true, false or null, spelt out in lower case)');
      i += word.length;
    } else {
      NUMBER.lastIndex = i;
      const match = NUMBER.exec(text);
      if (match === null) return fail('a value: an object, array, string, number, true, false or null');
      i += match[0].length;
    }
    // After a value: close containers, or a comma and the next member.
    for (;;) {
      space();
      const close = stack.at(-1);
      if (close === undefined) {
        return i < text.length ? fail('nothing after the end of the JSON document') : { offset: i, expected: 'valid JSON' };
      }
      if (text[i] === close) {
        i++;
        stack.pop();
        continue;
      }
      if (text[i] !== ',') return fail(`"," or "${close}"`);
      i++;
      if (close === '}') {
        space();
        if (text[i] !== '"') return fail('a property name in double quotes (no comma before "}")');
        const bad = string();
        if (bad) return bad;
        space();
        if (text[i] !== ':') return fail('":" after the property name');
        i++;
      }
      break;
    }
  }
}
