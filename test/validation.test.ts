/**
 * Validation messages a person reads, sharp-style: what was expected, for which field, what came in.
 */
import { describe, expect, it } from 'vitest';
import { ConnectorError } from '../src/errors.js';
import { validateConnection } from '../src/connection/resolve.js';
import { EMULATOR_CREDENTIALS } from '../src/emulator.js';
import { validator } from '../src/validate.js';

const resizeLike = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://example.test/validation.test.json',
  type: 'object',
  additionalProperties: false,
  required: ['key'],
  properties: {
    key: { type: 'string', minLength: 1 },
    width: { type: 'integer', minimum: 1, maximum: 16383 },
    quality: { type: 'integer', minimum: 1 },
    maxKeys: { type: 'integer', maximum: 1000 },
    fit: { type: 'string', enum: ['cover', 'contain', 'fill', 'inside', 'outside'] },
    size: { type: 'string', pattern: '^\\d*x\\d*$', $comment: 'a size such as "200x200", "800x" or "x300"' },
    tag: { type: 'string', minLength: 2, maxLength: 8 },
    metadata: { type: 'object', additionalProperties: { type: 'string' } },
    sizes: { type: 'array', items: { type: 'integer', minimum: 1 }, maxItems: 2 },
    text: { type: 'string' },
    base64: { type: 'string' },
  },
  // Strict mode wants each required name declared beside it.
  oneOf: [
    { properties: { text: true }, required: ['text'] },
    { properties: { base64: true }, required: ['base64'] },
  ],
};

const validate = validator<Record<string, unknown>>(resizeLike);

function messageFor(value: unknown, check: (v: unknown) => unknown = validate): ConnectorError {
  try {
    check(value);
  } catch (error) {
    if (error instanceof ConnectorError) return error;
    throw error;
  }
  throw new Error(`Expected ${JSON.stringify(value)} to fail validation`);
}

const valid = { key: 'a.jpg', text: 'hi' };

describe('messages for action input', () => {
  it.each([
    [{ width: -5 }, '/width', 'Expected integer between 1 and 16383 for `width` but received -5.'],
    [{ width: 20000 }, '/width', 'Expected integer between 1 and 16383 for `width` but received 20000.'],
    [{ quality: 0 }, '/quality', 'Expected integer at least 1 for `quality` but received 0.'],
    [{ maxKeys: 5000 }, '/maxKeys', 'Expected integer at most 1000 for `maxKeys` but received 5000.'],
    [{ width: 'wide' }, '/width', 'Expected an integer for `width` but received a string ("wide").'],
    [{ width: 2.5 }, '/width', 'Expected an integer for `width` but received a number (2.5).'],
    [{ width: null }, '/width', 'Expected an integer for `width` but received null.'],
    [{ width: [1] }, '/width', 'Expected an integer for `width` but received an array.'],
    [{ fit: 'stretch' }, '/fit', 'Expected one of "cover", "contain", "fill", "inside", "outside" for `fit` but received "stretch".'],
    [{ size: '200 by 200' }, '/size', 'Expected a size such as "200x200", "800x" or "x300" for `size` but received "200 by 200".'],
    [{ tag: 'x' }, '/tag', 'Expected 2 to 8 characters for `tag` but received 1 characters.'],
    [{ key: '' }, '/key', 'Expected a non-empty string for `key` but received "".'],
    [{ metadata: { owner: 7 } }, '/metadata/owner', 'Expected a string for `metadata.owner` but received a number (7).'],
    [{ sizes: [1, 0] }, '/sizes/1', 'Expected integer at least 1 for `sizes[1]` but received 0.'],
    [{ sizes: [1, 2, 3] }, '/sizes', 'Expected at most 2 items for `sizes` but received 3.'],
    [{ widht: 200 }, '/widht', 'Unknown field `widht`: did you mean `width`?'],
    [{ colour: 'red' }, '/colour', 'Unknown field `colour`: remove it (known fields: key, width, quality, maxKeys, fit, size, tag, metadata, sizes, text, base64).'],
  ])('%j → %s', (change, field, text) => {
    const error = messageFor({ ...valid, ...change });
    expect(error).toMatchObject({ name: 'ConnectorError', code: 'InvalidInput', retryable: false, field, message: text });
    expect(error.details).toMatchObject({ target: 'input' });
  });

  it('names a missing required field', () => {
    expect(messageFor({ text: 'hi' })).toMatchObject({ field: '/key', message: 'Missing required `key`.' });
  });

  it('asks for exactly one content source', () => {
    expect(messageFor({ key: 'a' })).toMatchObject({ field: '', message: 'Expected exactly one of `text`, `base64` but received none.' });
    expect(messageFor({ key: 'a', text: 'x', base64: 'eA==' }).message).toBe('Expected exactly one of `text`, `base64` but received `text` and `base64`.');
  });

  it('names the whole input when it is not an object', () => {
    expect(messageFor('photo.jpg')).toMatchObject({ field: '', message: 'Expected an object for the input but received a string ("photo.jpg").' });
    expect(messageFor(undefined).message).toBe('Expected an object for the input but received nothing.');
  });

  it('shortens a long value it quotes back', () => {
    const long = 'x'.repeat(200);
    expect(messageFor({ ...valid, fit: long }).message).toBe(`Expected one of "cover", "contain", "fill", "inside", "outside" for \`fit\` but received "${'x'.repeat(57)}...".`);
  });

  it('returns a validated copy with defaults, and never changes the caller\'s value', () => {
    const withDefault = validator<{ n: number }>({ type: 'object', properties: { n: { type: 'integer', default: 3 } } });
    const input = {};
    expect(withDefault(input)).toEqual({ n: 3 });
    expect(input).toEqual({});
  });
});

describe('messages for a connection', () => {
  const connection = { name: 'Images', ...EMULATOR_CREDENTIALS, bucket: 'my-images', region: 'eu-west-1' };

  it('prefixes the field with "connection." and says where to fix it', () => {
    expect(messageFor({ ...connection, maxAttempts: 0 }, validateConnection)).toMatchObject({
      field: '/maxAttempts',
      message: 'Expected integer between 1 and 10 for `connection.maxAttempts` but received 0. Edit the connection to fix it.',
      details: { target: 'connection', keyword: 'minimum' },
    });
    expect(messageFor({ ...connection, regoin: 'eu-west-1' }, validateConnection).message).toBe(
      'Unknown field `connection.regoin`: did you mean `region`? Edit the connection to fix it.',
    );
    expect(messageFor({ ...connection, forcePathStyle: 'yes' }, validateConnection).message).toBe(
      'Expected a boolean for `connection.forcePathStyle` but received a string ("yes"). Edit the connection to fix it.',
    );
    expect(messageFor({ ...connection, checksums: 'always' }, validateConnection).message).toBe(
      'Expected one of "whenRequired", "whenSupported" for `connection.checksums` but received "always". Edit the connection to fix it.',
    );
  });

  it('applies defaults the schema declares', () => {
    expect(validateConnection(connection)).toMatchObject({ connectTimeoutMs: 5000, requestTimeoutMs: 30000, maxAttempts: 3 });
  });

  describe('never quotes a secret', () => {
    const SECRET = 'Zq8+CANARYsecret/Do9NotLeak7xYwv3Tr2Ub1';
    const TOKEN = 'IQoJb3JpZ2luX2VjCANARYtokenEXAMPLE//////////wEaCXVzLWVhc3QtMSJHMEUCIQ';

    it.each([
      ['a secret with a stray space', { secretAccessKey: `${SECRET} ` }, '/secretAccessKey', 'Expected a secret without spaces or line breaks (check for a stray space when pasting) for `connection.secretAccessKey` but received a value of 40 characters. Edit the connection to fix it.'],
      ['a secret that is not a string', { secretAccessKey: 12345678 }, '/secretAccessKey', 'Expected a string for `connection.secretAccessKey` but received a number. Edit the connection to fix it.'],
      ['a secret that is too long', { secretAccessKey: SECRET.repeat(8) }, '/secretAccessKey', 'Expected 1 to 256 characters for `connection.secretAccessKey` but received 312 characters. Edit the connection to fix it.'],
      ['a session token with a line break', { sessionToken: `${TOKEN}\n`, accessKeyId: 'ASIAIOSFODNN7EXAMPLE', secretAccessKey: SECRET }, '/sessionToken', undefined],
      ['the secret pasted into the access key ID', { accessKeyId: SECRET, secretAccessKey: SECRET }, '/accessKeyId', 'Expected an AWS access key ID: 20 characters starting with AKIA or ASIA (a secret access key pasted here is a common mix-up) for `connection.accessKeyId` but received a value of 39 characters (not shown: it looks like a secret). Edit the connection to fix it.'],
      ['the keys swapped', { accessKeyId: SECRET, secretAccessKey: 'AKIAIOSFODNN7EXAMPLE' }, '/accessKeyId', 'Expected an AWS access key ID: 20 characters starting with AKIA or ASIA (a secret access key pasted here is a common mix-up) for `connection.accessKeyId` but received a value of 39 characters (not shown: it looks like a secret). Edit the connection to fix it.'],
      ['the secret used as the name, too long', { name: `${SECRET}`.repeat(3), secretAccessKey: SECRET }, '/name', 'Expected 1 to 100 characters for `connection.name` but received 117 characters. Edit the connection to fix it.'],
      ['the secret pasted into the bucket', { bucket: SECRET.toLowerCase(), secretAccessKey: SECRET.toLowerCase() }, '/bucket', undefined],
    ])('%s', (_what, change, field, text) => {
      const error = messageFor({ ...connection, ...change }, validateConnection);
      expect(error.field).toBe(field);
      if (text !== undefined) expect(error.message).toBe(text);
      const shown = JSON.stringify({ message: error.message, json: error.toJSON(), stack: error.stack });
      expect(shown).not.toContain('CANARY');
      expect(shown).not.toContain('canary');
    });
  });
});
