/**
 * `npm start`: a short walk-through on the embedded emulator, no AWS account needed.
 * It creates a connection, tests it, shows what a wrong secret is diagnosed as, and reads an object back.
 */
import { EMULATOR_CREDENTIALS, startEmulator } from './emulator.js';
import { actions, testConnection } from './index.js';

const BUCKET = 'demo-images';

const emulator = await startEmulator({ buckets: [BUCKET] });
const connection = {
  name: 'Demo (embedded emulator)',
  ...EMULATOR_CREDENTIALS,
  bucket: BUCKET,
  region: 'us-east-1',
  endpoint: emulator.endpoint,
};
const show = (title: string, value: unknown) => console.log(`\n▸ ${title}\n${JSON.stringify(value, null, 2)}`);

try {
  console.log(`S3 emulator listening at ${emulator.endpoint}, bucket "${BUCKET}".`);
  show('Test connection', await testConnection(connection));
  show('Test connection with a wrong secret', await testConnection({ ...connection, secretAccessKey: 'not-the-secret' }));
  show('Test connection with a bucket that does not exist', await testConnection({ ...connection, bucket: 'no-such-bucket' }));
  show('Test connection with a mistyped bucket name', await testConnection({ ...connection, bucket: 'Demo_Images' }));
  const headAction = actions.head!;
  await headAction({ key: 'missing.jpg' }, { connection }).catch((error: unknown) => show('head of a missing key', error));
} finally {
  await emulator.close();
}
