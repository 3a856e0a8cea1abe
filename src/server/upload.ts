/**
 * Receives a compile request's multipart body: file parts are streamed to the request's upload
 * folder (hashed on the way, never held whole in memory) under their checked relative names, and
 * the `options` field is kept as text. The total size of the files is capped; a request past the
 * cap is refused and its folder removed.
 */
import { createHash } from 'node:crypto';
import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { FastifyRequest } from 'fastify';
import '@fastify/multipart';
import type { UploadedFile } from './cache.js';
import { checkRelativeName } from './files.js';
import { HttpError } from './http-error.js';

export interface Upload {
  readonly files: UploadedFile[];
  readonly optionsText: string | undefined;
}

export interface UploadLimits {
  /** All files of one request together. */
  readonly maxBytes: number;
  readonly maxFiles: number;
}

const MAX_OPTIONS_BYTES = 1 << 20;

export async function receiveUpload(
  request: FastifyRequest,
  dir: string,
  limits: UploadLimits,
): Promise<Upload> {
  if (!request.isMultipart())
    throw new HttpError(
      415,
      'NCC_BAD_INPUT',
      `a compile request is multipart/form-data, not ${request.headers['content-type'] ?? 'an empty body'}`,
      {
        hint: 'upload the model file(s) and an "options" JSON field as multipart/form-data',
      },
    );
  const files: UploadedFile[] = [];
  let optionsText: string | undefined;
  let total = 0;
  const parts = request.parts({
    // the names are checked here, not silently cut to their last component
    preservePath: true,
    limits: {
      fileSize: limits.maxBytes,
      files: limits.maxFiles,
      fields: 4,
      fieldSize: MAX_OPTIONS_BYTES,
      parts: limits.maxFiles + 4,
    },
  });
  for await (const part of parts) {
    if (part.type === 'field') {
      if (part.fieldname !== 'options')
        throw new HttpError(400, 'NCC_BAD_INPUT', `unknown form field "${part.fieldname}"`, {
          hint: 'send the model file(s) as file parts and the options as a field named options',
        });
      if (optionsText !== undefined)
        throw new HttpError(400, 'NCC_BAD_INPUT', 'the "options" field is given twice');
      if (part.valueTruncated)
        throw new HttpError(
          413,
          'NCC_LIMIT_EXCEEDED',
          `the "options" field is larger than ${MAX_OPTIONS_BYTES} bytes`,
        );
      optionsText = String(part.value);
      continue;
    }
    const name = part.filename;
    try {
      checkRelativeName(name);
    } catch (e) {
      part.file.resume();
      throw new HttpError(400, 'NCC_BAD_INPUT', (e as Error).message, { hint: (e as HttpError).hint ?? '' });
    }
    if (
      files.some((f) => f.name === name || f.name.startsWith(`${name}/`) || name.startsWith(`${f.name}/`))
    ) {
      part.file.resume();
      throw new HttpError(
        400,
        'NCC_BAD_INPUT',
        `file ${JSON.stringify(name)} is uploaded twice or clashes with a folder`,
      );
    }
    const path = join(dir, name);
    mkdirSync(dirname(path), { recursive: true });
    const hash = createHash('sha256');
    let bytes = 0;
    const count = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        bytes += chunk.length;
        total += chunk.length;
        if (total > limits.maxBytes) return done(tooLarge(limits.maxBytes));
        hash.update(chunk);
        done(null, chunk);
      },
    });
    await pipeline(part.file, count, createWriteStream(path, { flags: 'wx' }));
    if (part.file.truncated) throw tooLarge(limits.maxBytes);
    files.push({ name, sha256: hash.digest('hex'), bytes });
  }
  return { files, optionsText };
}

function tooLarge(max: number): HttpError {
  return new HttpError(
    413,
    'NCC_LIMIT_EXCEEDED',
    `the model files are larger than the service's limit of ${max} bytes`,
    {
      hint: 'compile locally, or ask for a service with a larger --max-model-bytes',
    },
  );
}
