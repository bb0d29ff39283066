// A fresh process that loads the built entry the way a host does for each run, makes the calls a
// cold start makes, and prints which of the on-demand packages each step had loaded (one JSON line).
// Run by test/cold-start.test.ts with the connection in COLD_START_CONNECTION.
import { loadedOnDemand } from './on-demand.mjs';

const connection = JSON.parse(process.env.COLD_START_CONNECTION);
const onDemand = loadedOnDemand;
const steps = {};

const { actions, testConnection } = await import(new URL('../../dist/index.js', import.meta.url).href);
steps.import = onDemand();
const tested = await testConnection(connection);
if (!tested.ok) throw new Error(`Test connection failed: ${tested.message}`);
await actions.head({ key: 'photo.jpg' }, { connection });
steps.testConnectionAndHead = onDemand();
// Every action's input is validated, none compiled now: a bad input answers before any request.
for (const [id, action] of Object.entries(actions)) {
  const refused = await action({ unknownField: true }, { connection }).then(() => undefined, (error) => error);
  if (refused?.code !== 'InvalidInput') throw new Error(`${id} did not refuse a bad input: ${refused}`);
}
steps.everyInputRefused = onDemand();
await actions.presign({ key: 'photo.jpg' }, { connection });
steps.presign = onDemand();
await actions.put({ key: 'notes.txt', text: 'hello' }, { connection });
steps.putText = onDemand();
await actions.put({ key: 'big.bin', base64: Buffer.alloc(9 * 1024 * 1024, 1).toString('base64') }, { connection });
steps.putMultipart = onDemand();
await actions.resize({ key: 'photo.jpg', destinationKey: 'thumb.jpg', size: '8x8' }, { connection });
steps.resize = onDemand();
process.stdout.write(`${JSON.stringify(steps)}\n`);
