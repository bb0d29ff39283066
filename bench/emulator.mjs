// The embedded emulator (dist/emulator.js) in a child process, for benchmarks: the server gets its
// own core and its own memory, so the client's throughput and RSS are measured alone.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CHILD_FLAG = '--emulator-child';

/** Starts the emulator in a child process; resolves with its endpoint and a `close()`. */
export function startEmulatorProcess({ buckets = [], directory } = {}) {
  const child = fork(fileURLToPath(import.meta.url), [CHILD_FLAG], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`The emulator process exited with code ${code} before it started.`)));
    child.send({ buckets, directory });
    child.once('message', (endpoint) => {
      child.removeAllListeners('exit');
      resolve({
        endpoint,
        pid: child.pid,
        close: () =>
          new Promise((done) => {
            child.once('exit', done);
            child.send('close');
          }),
      });
    });
  });
}

if (process.argv.includes(CHILD_FLAG)) {
  const { startEmulator } = await import('../dist/emulator.js');
  // An orphan would keep the parent's stdout open: end with the parent, however it ends.
  process.once('disconnect', () => process.exit(0));
  process.once('message', async (options) => {
    const emulator = await startEmulator(options);
    process.on('message', async (message) => {
      if (message !== 'close') return;
      await emulator.close();
      process.exit(0);
    });
    process.send(emulator.endpoint);
  });
}
