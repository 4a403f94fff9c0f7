import winston from 'winston';
import { currentContext } from './request-context.js';

/**
 * JSON-lines application log: `log.info({ version }, 'ruleset activated')`.
 * Never pass patient data (patient ids, clinical values, request bodies):
 * correlate by request id and recommendation id; the audit record is where
 * patient data belongs.
 */
export type LogFields = Record<string, unknown>;

export interface Logger {
  error(fields: LogFields, message: string): void;
  warn(fields: LogFields, message: string): void;
  info(fields: LogFields, message: string): void;
  debug(fields: LogFields, message: string): void;
  child(fields: LogFields): Logger;
}

const withContext = winston.format((info) => {
  const context = currentContext();
  if (context?.requestId && info.request_id === undefined) info.request_id = context.requestId;
  if (context?.recommendationId && info.recommendation_id === undefined) {
    info.recommendation_id = context.recommendationId;
  }
  if (context?.jobId && info.job_id === undefined) info.job_id = context.jobId;
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
  const transport = options.stream
    ? new winston.transports.Stream({ stream: options.stream })
    : new winston.transports.Console();
  return wrap(
    winston.createLogger({
      level,
      defaultMeta: { service: options.service },
      format: winston.format.combine(withContext(), serializeError(), winston.format.timestamp(), winston.format.json()),
      transports: [transport],
    }),
  );
}

function wrap(target: winston.Logger): Logger {
  // winston formats a line before its transport drops it by level: skip that work up front.
  const at = (level: 'error' | 'warn' | 'info' | 'debug') => (fields: LogFields, message: string) => {
    if (target.isLevelEnabled(level)) target.log(level, message, fields);
  };
  return { error: at('error'), warn: at('warn'), info: at('info'), debug: at('debug'), child: (fields) => wrap(target.child(fields)) };
}

/** For tests and tools that must not print. */
export const silentLogger: Logger = {
  error: () => {},
  warn: () => {},
  info: () => {},
  debug: () => {},
  child: () => silentLogger,
};
