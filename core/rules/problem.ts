/**
 * One thing wrong with a ruleset file, located by JSON pointer so an author
 * can jump straight to it. Rendered as one line: `<file>: <pointer>: <message>`.
 *
 * A message never repeats a value from the file (DESIGN.md "Hostile or broken
 * files"): it says where and what was expected. Pointers name the file's own
 * keys on the way, and are clipped so a huge key cannot flood GET /rules.
 */
export interface Problem {
  file: string;
  /** RFC 6901 pointer into the file's JSON; '' is the whole document. */
  pointer: string;
  message: string;
}

/** Longest pointer and message kept, in characters; longer ones end in "…". */
export const MAX_POINTER_CHARS = 300;
export const MAX_MESSAGE_CHARS = 400;
/** Problems kept per file; the rest are counted in one last problem. */
export const MAX_PROBLEMS_PER_FILE = 20;

/** The document root prints as '/' because an empty field reads like a formatting slip. */
export function formatProblem(problem: Problem): string {
  return `${problem.file}: ${formatLocated(problem)}`;
}

/** `<pointer>: <message>`, for places that name the file already. */
export function formatLocated(problem: Problem): string {
  return `${problem.pointer === '' ? '/' : problem.pointer}: ${problem.message}`;
}

/** Joins path segments into a JSON pointer, escaping '~' and '/' as RFC 6901 requires. */
export function pointer(...segments: Array<string | number>): string {
  return segments.map((s) => `/${String(s).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
}

/** At most `max` characters, control characters shown as U+FFFD so one line stays one line. */
export function clip(text: string, max: number): string {
  // eslint-disable-next-line no-control-regex
  const printable = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, '\uFFFD');
  return printable.length <= max ? printable : `${printable.slice(0, max - 1)}…`;
}

/** What kind of JSON value was found, without quoting it. */
export function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'number') return Number.isInteger(value) ? 'a whole number' : 'a number';
  return `a ${typeof value}`;
}

/** Collects problems for one file so checks can report without repeating the file name. */
export class ProblemList {
  readonly items: Problem[] = [];
  private dropped = 0;

  constructor(readonly file: string) {}

  add(at: string, message: string): void {
    if (this.items.length >= MAX_PROBLEMS_PER_FILE) {
      this.dropped++;
      const more = `and ${this.dropped} more problem${this.dropped === 1 ? '' : 's'} (fix these first)`;
      this.items[MAX_PROBLEMS_PER_FILE] = { file: this.file, pointer: '', message: more };
      return;
    }
    this.items.push({ file: this.file, pointer: clip(at, MAX_POINTER_CHARS), message: clip(message, MAX_MESSAGE_CHARS) });
  }

  get empty(): boolean {
    return this.items.length === 0;
  }
}
