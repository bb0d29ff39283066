import { describe, expect, it } from 'vitest';
import { MASK, maskingLogger, type LogLevel } from '../../../src/host/core/logger.js';

const SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';

function capture() {
  const lines: { level: LogLevel; msg: string; data?: unknown }[] = [];
  return { lines, sink: (level: LogLevel, msg: string, data?: unknown) => lines.push({ level, msg, ...(data === undefined ? {} : { data }) }) };
}

describe('maskingLogger', () => {
  it('masks a secret in the message and in every nested string of the data, URL-encoded too', () => {
    const { lines, sink } = capture();
    const logger = maskingLogger(sink, [SECRET, 'session-token-value']);
    logger.warn(`signing with ${SECRET}`, {
      request: { url: `https://s3.test/?X-Amz-Credential=${encodeURIComponent(SECRET)}`, headers: [`x-amz-security-token: session-token-value`] },
      error: new Error(`bad secret ${SECRET}`),
      attempts: 2,
    });
    expect(lines).toEqual([
      {
        level: 'warn',
        msg: `signing with ${MASK}`,
        data: {
          request: { url: `https://s3.test/?X-Amz-Credential=${MASK}`, headers: [`x-amz-security-token: ${MASK}`] },
          error: { name: 'Error', message: `bad secret ${MASK}` },
          attempts: 2,
        },
      },
    ]);
    expect(JSON.stringify(lines)).not.toContain('EXAMPLEKEY');
  });

  it('passes every level through and leaves lines without secrets untouched', () => {
    const { lines, sink } = capture();
    const logger = maskingLogger(sink, ['', SECRET]);
    logger.debug('a');
    logger.info('b', { n: 1 });
    logger.error('c');
    expect(lines).toEqual([{ level: 'debug', msg: 'a' }, { level: 'info', msg: 'b', data: { n: 1 } }, { level: 'error', msg: 'c' }]);
  });
});
