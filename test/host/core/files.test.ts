import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import { LocalFileStore } from '../../../src/host/core/files.js';
import { useTempDirs } from './fixture.js';

const tempDir = useTempDirs('s3-files-');

describe('LocalFileStore', () => {
  it('streams a file to disk and reads it back, with its size and type', async () => {
    const store = new LocalFileStore(tempDir());
    const ref = await store.write({ name: 'photo.JPG', data: Readable.from([Buffer.from('abc'), Buffer.from('def')]), contentType: 'image/jpeg' });
    expect(ref).toMatchObject({ name: 'photo.JPG', size: 6, contentType: 'image/jpeg' });
    expect(ref.id).toMatch(/\.jpg$/);
    expect(await text(await store.read(ref) as Readable)).toBe('abcdef');
    expect(readFileSync(store.pathOf(ref), 'utf8')).toBe('abcdef');
  });

  it('accepts bytes and defaults the type to application/octet-stream', async () => {
    const store = new LocalFileStore(tempDir());
    const ref = await store.write({ name: 'blob', data: new Uint8Array([1, 2, 3]) });
    expect(ref).toMatchObject({ size: 3, contentType: 'application/octet-stream' });
  });

  it('refuses an id that would escape its folder', async () => {
    const store = new LocalFileStore(tempDir());
    for (const id of ['../secret.key', '/etc/passwd', 'x/../../y']) {
      expect(() => store.pathOf({ id })).toThrow(`"${id}" is not the id of a file in this host's file store.`);
      await expect(store.read({ id, name: 'x' })).rejects.toMatchObject({ code: 'InvalidInput' });
    }
  });

  it('leaves nothing behind when the stream fails half-way', async () => {
    const dir = tempDir();
    const store = new LocalFileStore(dir);
    const failing = new Readable({
      read() {
        this.push('partial data');
        this.destroy(new Error('connection reset'));
      },
    });
    await expect(store.write({ name: 'a.txt', data: failing })).rejects.toThrow('connection reset');
    expect(existsSync(dir) ? readdirSync(dir) : []).toEqual([]);
  });

  it('says a file is gone, naming it', async () => {
    const store = new LocalFileStore(tempDir());
    await expect(store.read({ id: '123e4567-e89b-12d3-a456-426614174000.png', name: 'old.png' })).rejects.toThrow('The file "old.png" (id 123e4567-e89b-12d3-a456-426614174000.png) is no longer in the host\'s file store');
  });
});
