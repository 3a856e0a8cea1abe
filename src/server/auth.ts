/**
 * Bearer-token authentication. With a token, every request but `GET /healthz` must carry
 * `Authorization: Bearer <token>`; without one the service only listens on loopback, where
 * only this machine's users can reach it.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { NccError } from '../errors.js';
import { HttpError } from './http-error.js';

/** The token in a token file: its first line, trimmed. */
export function readToken(file: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new NccError('NCC_FILE_NOT_FOUND', `cannot read the token file: ${(e as Error).message}`, {
      file,
      hint: 'give a readable file whose first line is the token',
    });
  }
  const token = text.split(/\r?\n/)[0]!.trim();
  if (token.length < 16)
    throw new NccError('NCC_BAD_OPTION', 'the token file holds no token of at least 16 characters', {
      file,
      hint: 'write a long random token, e.g. openssl rand -hex 32 > token',
    });
  return token;
}

export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '');
  if (h === 'localhost' || h === '::1') return true;
  return isIP(h) === 4 && h.startsWith('127.');
}

/** Throws unless an unauthenticated service would listen on loopback only. */
export function requireLoopbackWithoutToken(host: string, token: string | undefined): void {
  if (token === undefined && !isLoopback(host))
    throw new NccError(
      'NCC_BAD_OPTION',
      `without --token-file the service listens on loopback only, not ${host}`,
      {
        hint: 'add --token-file FILE (clients then send Authorization: Bearer <token>), or use --host 127.0.0.1',
      },
    );
}

/** A check of the Authorization header against the token, in constant time. */
export function bearerCheck(token: string): (authorization: string | undefined) => void {
  const digest = (s: string): Buffer => createHash('sha256').update(s).digest();
  const expected = digest(token);
  return (authorization) => {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    if (!m || !timingSafeEqual(digest(m[1]!), expected))
      throw new HttpError(
        401,
        'NCC_BAD_OPTION',
        m ? 'the bearer token is wrong' : 'the request carries no bearer token',
        {
          hint: 'send Authorization: Bearer <token> (neuron-cc compile --server URL --token-file FILE)',
        },
      );
  };
}
