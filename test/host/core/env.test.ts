import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { connectionFromEnv } from '../../../src/host/core/env.js';
import { useTempDirs } from './fixture.js';

const tempDir = useTempDirs('s3-env-');

describe('connectionFromEnv', () => {
  it('reads the conventional AWS variables, including a session token and an S3 endpoint', () => {
    const values = connectionFromEnv({
      AWS_ACCESS_KEY_ID: 'ASIAIOSFODNN7EXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'secret',
      AWS_SESSION_TOKEN: 'token',
      AWS_DEFAULT_REGION: 'eu-west-3',
      AWS_BUCKET_NAME: 'images',
      AWS_ENDPOINT_URL: 'https://global.example',
      AWS_ENDPOINT_URL_S3: 'http://localhost:9000',
    });
    expect(values).toEqual({
      name: 'images (from environment)',
      accessKeyId: 'ASIAIOSFODNN7EXAMPLE',
      secretAccessKey: 'secret',
      sessionToken: 'token',
      region: 'eu-west-3',
      bucket: 'images',
      endpoint: 'http://localhost:9000',
    });
  });

  it('loads a .env file without touching process.env, the environment winning over the file', () => {
    const file = path.join(tempDir(), '.env');
    writeFileSync(file, 'AWS_ACCESS_KEY_ID=AKIAFROMDOTENVFILE01\nAWS_SECRET_ACCESS_KEY="from/file+secret"\nAWS_REGION=us-east-2\nAWS_BUCKET_NAME=file-bucket\n');
    const before = { ...process.env };
    const values = connectionFromEnv({ AWS_BUCKET_NAME: 'env-bucket' }, file);
    expect(values).toMatchObject({ accessKeyId: 'AKIAFROMDOTENVFILE01', secretAccessKey: 'from/file+secret', region: 'us-east-2', bucket: 'env-bucket' });
    expect(process.env).toEqual(before);
  });

  it('names every missing variable', () => {
    expect(() => connectionFromEnv({ AWS_ACCESS_KEY_ID: 'AKIA' })).toThrow(
      'Set AWS_SECRET_ACCESS_KEY, AWS_REGION or AWS_DEFAULT_REGION, AWS_BUCKET_NAME in the environment to create a connection from it.',
    );
  });

  it('says when the .env file cannot be read', () => {
    expect(() => connectionFromEnv({}, '/nonexistent/.env')).toThrow('Cannot read the .env file /nonexistent/.env');
  });
});
