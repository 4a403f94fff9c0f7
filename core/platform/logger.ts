import { Writable } from 'node:stream';
import winston from 'winston';
import { batchLines } from './log-batch.js';
import { currentContext } from './request-context.js';

/**
 * JSON-lines application log: `log.info({ version }, 'ruleset activated')`.
 * Never pass patient data (patient ids, clinical values, request bodies):
 * correlate by request id and recommendation id; the audit record is where
 * patient data belongs.
 */
export type LogFields = Record<string, unknown>;

export interface Logger {
  /** Where the lines go, so lines another thread formats can join them. */
  readonly destination: NodeJS.WritableStream;
  error(fields: LogFields, message: string): void;
  warn(fields: LogFields, message: string): void;
  info(fields: LogFields, message: string): void;
  debug(fields: LogFields, message: string): void;
  child(fields: LogFields): Logger;
}

const withContext = winston.format((info) => {
  const context = currentContext();
  if (context !== undefined && info.request_id === undefined) info.request_id = context.requestId;
  return info;
});

/** Turns an `err` field into something JSON can hold. */
const serializeError = winston.format((info) => {
  if (info.err instanceof Error) {
    const err = info.err as Error & { code?: unknown };
    info.err = { name: err.name, message: err.message, code: err.code, stack: err.stack };
  }
  return info;
});

export function createLogger(
  level: string,
  options: { service: string; stream?: NodeJS.WritableStream },
): Logger {
  const destination = options.stream ?? process.stdout;
  return wrap(
    winston.createLogger({
      level,
      defaultMeta: { service: options.service },
      format: winston.format.combine(withContext(), serializeError(), winston.format.timestamp(), winston.format.json()),
      // Batched only on stdout, where each write is a system call; a given stream gets each line as it is logged.
      transports: [new winston.transports.Stream({ stream: options.stream ?? batchLines(process.stdout) })],
    }),
    destination,
  );
}

function wrap(target: winston.Logger, destination: NodeJS.WritableStream): Logger {
  // winston formats a line before its transport drops it by level: skip that work up front.
  const at = (level: 'error' | 'warn' | 'info' | 'debug') => (fields: LogFields, message: string) => {
    if (target.isLevelEnabled(level)) target.log(level, message, fields);
  };
  return { destination, error: at('error'), warn: at('warn'), info: at('info'), debug: at('debug'), child: (fields) => wrap(target.child(fields), destination) };
}

/** For tests and tools that must not print. */
export const silentLogger: Logger = {
  destination: new Writable({ write: (_chunk, _encoding, done) => done() }),
  error: () => {},
  warn: () => {},
  info: () => {},
  debug: () => {},
  child: () => silentLogger,
};
