/**
 * Errors as the service answers them: an HTTP status and the NccError fields (code, message,
 * hint, subject), so a client prints them exactly as a local compile would.
 */
import { NccError, isNccError, type ErrorCode, type ErrorSubject } from '../errors.js';
import type { WireError } from './worker.js';

/** An NccError with the HTTP status it is answered with. */
export class HttpError extends NccError {
  readonly status: number;

  constructor(
    status: number,
    code: ErrorCode,
    message: string,
    options: ErrorSubject & { hint?: string } = {},
  ) {
    super(code, message, options);
    this.status = status;
  }
}

/** The response body of every error: `{"error": {code, message, hint?, subject?}}`. */
export function errorBody(e: NccError | WireError): { error: WireError } {
  const subject = 'subject' in e && e.subject && Object.keys(e.subject).length ? e.subject : undefined;
  return {
    error: {
      code: e.code,
      message: e.message,
      ...(e.hint ? { hint: e.hint } : {}),
      ...(subject ? { subject: subject as Record<string, string> } : {}),
    },
  };
}

/** Status for an error thrown while handling a request: user errors are 4xx, the rest 500. */
export function statusOf(e: unknown): number {
  if (e instanceof HttpError) return e.status;
  if (isNccError(e)) return e.code === 'NCC_INTERNAL' ? 500 : e.code === 'NCC_LIMIT_EXCEEDED' ? 413 : 400;
  return 500;
}

/** Framework and multipart errors (oversize bodies, part limits, bad content types) as NccErrors. */
export function asServiceError(e: unknown): NccError {
  if (isNccError(e)) return e;
  const err = e as { code?: string; statusCode?: number; message?: string };
  const status = err.statusCode ?? 500;
  if (status === 413 || err.code === 'FST_REQ_FILE_TOO_LARGE')
    return new HttpError(413, 'NCC_LIMIT_EXCEEDED', `the upload is too large: ${err.message ?? ''}`.trim(), {
      hint: "the service's --max-model-bytes limits the model files of one request",
    });
  if (status === 415 || status === 406 || err.code === 'FST_INVALID_MULTIPART_CONTENT_TYPE')
    return new HttpError(415, 'NCC_BAD_INPUT', `unsupported content type: ${err.message ?? ''}`.trim(), {
      hint: 'send multipart/form-data: the model file(s) and an "options" JSON field',
    });
  if (status >= 400 && status < 500)
    return new HttpError(status, 'NCC_BAD_INPUT', err.message ?? 'bad request');
  return new HttpError(500, 'NCC_INTERNAL', err.message ?? String(e), {
    hint: 'this is a bug in neuron-cc; please report it',
  });
}
