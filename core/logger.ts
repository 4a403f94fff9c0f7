import winston from 'winston';
import { currentContext } from './request-context.js';

/**
 * JSON-lines application log. Never pass patient data (patient ids, clinical
 * values, request bodies) to it: correlate by request id and recommendation id;
 * the audit record is where patient data belongs.
 */
export type Logger = winston.Logger;

const withContext = winston.format((info) => {
  const context = currentContext();
  if (context?.requestId && info.request_id === undefined) info.request_id = context.requestId;
  if (context?.recommendationId && info.recommendation_id === undefined) {
    info.recommendation_id = context.recommendationId;
  }
  if (context?.jobId && info.job_id === undefined) info.job_id = context.jobId;
  return info;
});

/** Turns an `err` field into something JSON can hold, without request data. */
const serializeError = winston.format((info) => {
  if (info.err instanceof Error) {
    const err = info.err as Error & { code?: unknown };
    info.err = { name: err.name, message: err.message, code: err.code, stack: err.stack };
  }
  return info;
});

export function createLogger(
  level: string,
  options: { service: string; stream?: NodeJS.WritableStream } = { service: 'api' },
): Logger {
  const transport = options.stream
    ? new winston.transports.Stream({ stream: options.stream })
    : new winston.transports.Console();
  return winston.createLogger({
    level,
    defaultMeta: { service: options.service },
    format: winston.format.combine(
      withContext(),
      serializeError(),
      winston.format.timestamp(),
      winston.format.json(),
    ),
    transports: [transport],
  });
}
