import { constants } from 'node:fs';
import { lstat, open } from 'node:fs/promises';

/** DESIGN.md's default for RULES_MAX_FILE_BYTES. */
export const DEFAULT_MAX_FILE_BYTES = 1_048_576;

export type FileRead =
  | { kind: 'bytes'; bytes: Buffer }
  /** Not loaded, and why: a link, not a regular file, too large, unreadable. Never read or parsed. */
  | { kind: 'rejected'; message: string }
  /** Gone between listing and reading (a rename in progress). */
  | { kind: 'gone' };

// O_NOFOLLOW: a file swapped for a link after lstat fails to open instead of
// being followed. O_NONBLOCK: a file swapped for a FIFO cannot block the open.
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);

const LINK = 'is a symbolic link; only regular files are loaded and links are never followed';
const NOT_REGULAR = 'is not a regular file; only regular files are loaded';

/**
 * Reads a ruleset file only if it is a regular file of at most `maxBytes`:
 * the kind and the size are checked on the open descriptor before a byte is
 * read, and at most `maxBytes + 1` bytes are ever read.
 */
export async function readRulesetFile(file: string, maxBytes: number): Promise<FileRead> {
  let info;
  try {
    info = await lstat(file);
  } catch (err) {
    return failure(err);
  }
  if (info.isSymbolicLink()) return { kind: 'rejected', message: LINK };
  if (!info.isFile()) return { kind: 'rejected', message: NOT_REGULAR };
  if (info.size > maxBytes) return tooLarge(info.size, maxBytes);

  let handle;
  try {
    handle = await open(file, OPEN_FLAGS);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ELOOP') return { kind: 'rejected', message: LINK };
    return failure(err);
  }
  try {
    const opened = await handle.stat();
    if (!opened.isFile()) return { kind: 'rejected', message: NOT_REGULAR };
    if (opened.size > maxBytes) return tooLarge(opened.size, maxBytes);
    // The file may still grow while being read: read one byte past the limit to notice.
    const buffer = Buffer.alloc(Math.min(maxBytes + 1, opened.size + 1));
    let length = 0;
    for (;;) {
      if (length === buffer.length) break;
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    if (length > maxBytes) return tooLarge(length, maxBytes, 'at least ');
    if (length === buffer.length) return { kind: 'rejected', message: 'changed size while being read; it is read again on the next change' };
    return { kind: 'bytes', bytes: buffer.subarray(0, length) };
  } catch (err) {
    return failure(err);
  } finally {
    await handle.close().catch(() => undefined);
  }
}

function tooLarge(size: number, maxBytes: number, prefix = ''): FileRead {
  return { kind: 'rejected', message: `file is ${prefix}${size} bytes, over the limit of ${maxBytes} (RULES_MAX_FILE_BYTES); not read` };
}

function failure(err: unknown): FileRead {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return { kind: 'gone' };
  return { kind: 'rejected', message: `cannot read file: ${code ?? 'unknown error'}` };
}
