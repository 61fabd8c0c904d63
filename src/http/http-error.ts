import type { ErrorRequestHandler, RequestHandler } from 'express';
import { HttpErrorCode, ParlorError, isParlorError } from '../errors.js';
import { InterfaceFailure } from '../interface-failure.js';
import type { Logger } from '../logger.js';

/** Throws the contract's JSON error: `{"error": code, "message": ...}` with the code's status. */
export function httpError(code: HttpErrorCode, message: string): ParlorError {
  return new ParlorError(code, message);
}

/** For a server that owns every path (`npm start`): a request nothing else answered is a JSON 404 `not_found`. */
export const noSuchRoute: RequestHandler = (_req, _res, next) => next(httpError('not_found', 'no such route'));

/** Frame codes a store may throw that have no HTTP twin of the same name. */
const STATUS_OF_OTHER_CODES: Record<string, number> = { too_large: 400, rate_limited: 429 };

export function statusOf(err: ParlorError): number {
  return (HttpErrorCode as Record<string, number>)[err.code] ?? STATUS_OF_OTHER_CODES[err.code] ?? 500;
}

interface BodyParserError {
  type?: string;
  status?: number;
}

/** The last middleware: every error becomes `{error, message}`; only unexpected ones are logged. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err: unknown, _req, res, _next) => {
    if (isParlorError(err)) {
      const status = statusOf(err);
      res.status(status).json({ error: status === 400 ? 'bad_request' : err.code, message: err.message });
      return;
    }
    if (err instanceof InterfaceFailure) {
      logger.warn({ err: err.cause, interface: err.interfaceName }, `${err.interfaceName} failed`);
      res.status(503).json({ error: 'unavailable', message: `${err.interfaceName} is unavailable, try again later` });
      return;
    }
    const bp = err as BodyParserError;
    if (bp?.type === 'entity.too.large') {
      res.status(413).json({ error: 'payload_too_large', message: 'the request body is too large' });
      return;
    }
    if (bp?.type === 'entity.parse.failed' || bp?.type === 'encoding.unsupported' || bp?.type === 'charset.unsupported') {
      res.status(400).json({ error: 'bad_request', message: 'the request body is not valid JSON' });
      return;
    }
    if (typeof bp?.status === 'number' && bp.status >= 400 && bp.status < 500) {
      res.status(bp.status).json({ error: 'bad_request', message: 'the request could not be read' });
      return;
    }
    logger.error({ err }, 'request failed');
    res.status(500).json({ error: 'internal', message: 'internal error' });
  };
}
