/**
 * One thing wrong with a ruleset file, located by JSON pointer so an author
 * can jump straight to it. Rendered as one line: `<file>: <pointer>: <message>`.
 */
export interface Problem {
  file: string;
  /** RFC 6901 pointer into the file's JSON; '' is the whole document. */
  pointer: string;
  message: string;
}

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

/** Collects problems for one file so checks can report without repeating the file name. */
export class ProblemList {
  readonly items: Problem[] = [];

  constructor(readonly file: string) {}

  add(at: string, message: string): void {
    this.items.push({ file: this.file, pointer: at, message });
  }

  get empty(): boolean {
    return this.items.length === 0;
  }
}
