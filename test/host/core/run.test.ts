import { describe, expect, it } from 'vitest';
import { openHost } from '../../../src/host/core/run.js';
import type { LogLevel } from '../../../src/host/core/logger.js';
import { useEmulator } from '../../helpers/emulator.js';
import { PACKAGE_DIR, useTempDirs } from './fixture.js';

const s3 = useEmulator();
const tempDir = useTempDirs('s3-run-');

async function hostWithSaved() {
  const host = await openHost({ connectorDir: PACKAGE_DIR, home: tempDir() });
  const saved = await host.store.create(host.connector, s3.connection({ name: 'Emulator' }));
  return { host, saved };
}

describe('invoking the connector with a saved connection', () => {
  it('tests a saved connection by name, decrypting its secret only to call the hook', async () => {
    const { host } = await hostWithSaved();
    const lines: { level: LogLevel; msg: string; data?: unknown }[] = [];
    const result = await host.test('Emulator', { log: (level, msg, data) => lines.push({ level, msg, data }) });
    expect(result).toMatchObject({ ok: true, message: expect.stringContaining(`Connected to bucket "${s3.bucket}"`) });
    expect(JSON.stringify(lines)).not.toContain(s3.connection().secretAccessKey);
  });

  it('diagnoses a wrong secret as InvalidCredentials', async () => {
    const { host, saved } = await hostWithSaved();
    const { secretAccessKey: _, ...visible } = s3.connection({ name: 'Emulator' });
    await host.store.update(host.connector, saved.id, { ...visible, secretAccessKey: 'not-the-secret' });
    const result = await host.test(saved.id);
    expect(result).toMatchObject({ ok: false, code: 'InvalidCredentials' });
    expect(result.message).not.toContain('not-the-secret');
  });

  it('runs an action and passes its error through with the contract code and message', async () => {
    const { host } = await hostWithSaved();
    await expect(host.run('head', 'Emulator', { key: 'missing.jpg' })).rejects.toMatchObject({
      name: 'ConnectorError',
      code: 'NotFound',
      message: expect.stringContaining('missing.jpg'),
    });
  });

  it('runs with connection values given inline, as the form\'s "Create new connection" does', async () => {
    const host = await openHost({ connectorDir: PACKAGE_DIR, home: tempDir() });
    await expect(host.test({ values: s3.connection() })).resolves.toMatchObject({ ok: true });
  });

  it('cancels through the signal with Aborted', async () => {
    const { host } = await hostWithSaved();
    await expect(host.run('head', 'Emulator', { key: 'a.jpg' }, { signal: AbortSignal.abort() })).rejects.toMatchObject({ code: 'Aborted' });
  });

  it('names the saved connections when asked for one that does not exist', async () => {
    const { host } = await hostWithSaved();
    await expect(host.run('head', 'Production', { key: 'a' })).rejects.toThrow('No saved connection is named or has the id "Production". Saved connections: "Emulator".');
  });
});
