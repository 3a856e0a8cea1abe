/**
 * File names from clients. An uploaded name is a relative path inside
 * the job's upload folder; anything that could land elsewhere (.., absolute paths, drive letters,
 * backslashes, control characters) is refused.
 */
import { NccError } from '../errors.js';

const MAX_NAME = 255;

/** Throws NCC_BAD_INPUT unless `name` is a plain relative path (a/b.bin) with no way out of its folder. */
export function checkRelativeName(name: string): void {
  const why =
    name === ''
      ? 'is empty'
      : name.length > MAX_NAME
        ? `is longer than ${MAX_NAME} characters`
        : name.startsWith('/') || /^[a-zA-Z]:/.test(name)
          ? 'is an absolute path'
          : name.includes('\\')
            ? 'contains a backslash'
            : // eslint-disable-next-line no-control-regex
              /[\x00-\x1f\x7f]/.test(name)
              ? 'contains control characters'
              : name.split('/').some((part) => part === '' || part === '.' || part === '..')
                ? "has an empty, '.' or '..' component"
                : undefined;
  if (why)
    throw new NccError('NCC_BAD_INPUT', `file name ${JSON.stringify(name.slice(0, 80))} ${why}`, {
      hint: 'upload files under relative names inside the model folder (model.onnx, variables/variables.index)',
    });
}
