/**
 * The n8n trigger node in n8n-core's own trigger machinery (n8n-core 2.41.1, Node 24), against the emulator
 * on 127.0.0.1: activated through ActiveWorkflowTriggers, polled on its Poll Times cron by
 * PollTriggerExecutor, its state in the workflow's static data; and "Fetch Test Event" through
 * WorkflowExecute in manual mode.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TriggerEvent } from '../../src/contract.js';
import { useEmulator } from '../helpers/emulator.js';
import { rawClient } from '../helpers/seed.js';
import { seedDirectly, useEmulatorDirectory } from '../triggers/helpers.js';
import { node, startN8n, type N8n } from './n8n/harness.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const manifest = JSON.parse(readFileSync(path.join(ROOT, 'connector.json'), 'utf8')) as { triggers: { id: string; name: string }[] };

const directory = useEmulatorDirectory();
const s3 = useEmulator({ directory });
let n8n: N8n;
let client: S3Client;

beforeAll(async () => {
  n8n = await startN8n();
  client = rawClient(s3.endpoint);
});
afterAll(() => {
  client?.destroy();
  n8n?.close();
});

const put = (key: string) => client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: key }));
const STATIC_KEY = 'node:New object';

/** The trigger node as the editor saves it: a prefix picked from the list, polled every minute. */
function triggerNode(prefix: string, options: Record<string, unknown> = {}) {
  return node('New object', n8n.triggerType, {
    pollTimes: { item: [{ mode: 'everyMinute' }] },
    event: 'objectChanged',
    prefix: { __rl: true, mode: 'list', value: prefix },
    ...options,
  } as never);
}

const events = (items: INodeExecutionData[]) => items.map((item) => item.json as unknown as TriggerEvent);
const keys = (items: INodeExecutionData[]) => events(items).map((event) => (event.data as { key: string }).key);

describe('the trigger node n8n loads from the package', () => {
  it('is a polling node with a Trigger On choice per manifest trigger, and n8n’s Poll Times', () => {
    const description = n8n.triggerDescription();
    expect(description).toMatchObject({ polling: true, group: ['trigger'], inputs: [], outputs: ['main'] });
    const names = description.properties.map((p) => p.name);
    // n8n's loader adds Poll Times to every polling node.
    expect(names[0]).toBe('pollTimes');
    const event = description.properties.find((p) => p.name === 'event')!;
    expect(event.options!.map((o) => ('value' in o ? o.value : ''))).toEqual(manifest.triggers.map((t) => t.id));
    expect(event.options!.map((o) => o.name)).toEqual(manifest.triggers.map((t) => t.name));
    const of = (name: string) => description.properties.find((p) => p.name === name && p.displayOptions?.show?.event?.includes('objectChanged') === true) as INodeProperties;
    expect(of('mode')).toMatchObject({ type: 'options', default: 'scan' });
    expect(of('subfolders')).toMatchObject({ type: 'boolean', default: true });
    expect(of('prefix')).toMatchObject({ type: 'resourceLocator', modes: [{ name: 'list', typeOptions: { searchListMethod: 'suggestPrefix' } }, { name: 'id', displayName: 'By Prefix' }] });
    expect(of('advanced').options!.map((o) => o.name)).toEqual(['lookbackSeconds', 'bufferKeys', 'pagesPerPoll']);
  });
});

describe('an active workflow', () => {
  it('baselines when turned on, fires a new object exactly once across polls, and keeps its state in static data', async () => {
    await put('watch/old.txt');
    const active = await n8n.activate(triggerNode('watch/'), { credentials: s3.connection() });
    try {
      // Activation polled once already: the baseline, which fires nothing.
      expect(active.emitted).toEqual([]);
      const baseline = active.staticData()![STATIC_KEY] as { trigger: { trigger: string; state: { cfg: string }; delivered: string[] } };
      expect(baseline.trigger).toMatchObject({ trigger: 'objectChanged', delivered: [] });
      expect(typeof baseline.trigger.state.cfg).toBe('string');

      await put('watch/new.txt');
      await active.tick();
      expect(active.emitted).toHaveLength(1);
      expect(keys(active.emitted[0]!)).toEqual(['watch/new.txt']);
      const [event] = events(active.emitted[0]!);
      expect(event).toMatchObject({ id: expect.any(String), type: 'object.changed', occurredAt: expect.any(String), data: { key: 'watch/new.txt', size: 'watch/new.txt'.length } });

      await active.tick();
      expect(active.emitted, 'the next poll fires nothing more').toHaveLength(1);
      const saved = active.staticData()![STATIC_KEY] as { trigger: { delivered: string[] } };
      expect(saved.trigger.delivered).toEqual([event!.id]);
      expect(active.errors).toEqual([]);
    } finally {
      await active.deactivate();
    }
  });

  it('starts again from the saved static data: what changed while it was off fires at activation, nothing else', async () => {
    await put('watch/while-off.txt');
    const active = await n8n.activate(triggerNode('watch/'), { credentials: s3.connection() });
    try {
      expect(active.emitted.map(keys)).toEqual([['watch/while-off.txt']]);
    } finally {
      await active.deactivate();
    }
  });

  it('reads a large prefix to the end in one tick, following more: true poll after poll', async () => {
    // 2,500 keys at one listing page per connector poll: three polls per sweep, all within one n8n poll.
    const old = new Date(Date.now() - 3_600_000);
    await seedDirectly(directory, s3.bucket, Array.from({ length: 2500 }, (_, i) => ({ key: `big/${String(i).padStart(5, '0')}.txt`, time: old })));
    const active = await n8n.activate(triggerNode('big/', { advanced: { pagesPerPoll: 1 } }), { credentials: s3.connection() });
    try {
      await active.tick();
      expect(active.emitted).toEqual([]);
      await put('big/00000-new.txt');
      await active.tick();
      expect(active.emitted.map(keys)).toEqual([['big/00000-new.txt']]);
    } finally {
      await active.deactivate();
    }
  });

  it('refuses to activate with a wrong secret, showing our diagnosis', async () => {
    const activation = n8n.activate(triggerNode('watch/'), { credentials: s3.connection({ secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYWRONGKEY' }) });
    const error = (await activation.then(() => undefined, (e: unknown) => e)) as Error & { description?: string };
    expect(error).toBeInstanceOf(Error);
    expect(error.message).toMatch(/There was a problem activating the workflow: .*secret access key does not match/i);
    expect(error.message).not.toMatch(/wJalrXUtnFEMI/);
    // n8n's activation error keeps the node error's message and description (our code and whether to retry), not its context.
    expect(error.description).toBe('InvalidCredentials. Retrying will not help until this is fixed.');
  });

  it('a failing poll reaches n8n as an error with our code, and the saved state stays as it was', async () => {
    const active = await n8n.activate(triggerNode('watch/'), { credentials: s3.connection() });
    try {
      const before = JSON.stringify(active.staticData());
      n8n.useCredentials(s3.connection({ bucket: 'no-such-bucket' }));
      await active.tick();
      expect(active.errors).toHaveLength(1);
      expect(active.errors[0]!.message).toMatch(/no-such-bucket/);
      expect((active.errors[0] as Error & { context?: object }).context).toMatchObject({ code: 'BucketNotFound', retryable: false });
      expect(JSON.stringify(active.staticData())).toBe(before);
    } finally {
      n8n.useCredentials(s3.connection());
      await active.deactivate();
    }
  });
});

describe('Fetch Test Event (manual mode)', () => {
  it('shows the newest objects as sample events and leaves the state alone', async () => {
    const before = JSON.stringify(n8n.savedStaticData('wf-trigger'));
    const { result, staticDataChanged } = await n8n.runWorkflow([triggerNode('watch/')], {}, { credentials: s3.connection(), workflowId: 'wf-trigger' });
    const items = result.data.resultData.runData['New object']![0]!.data!.main![0]!;
    expect(keys(items).toSorted()).toEqual(['watch/new.txt', 'watch/old.txt', 'watch/while-off.txt']);
    // Newest first, by S3's date (whole seconds): the object that existed before the trigger was turned on comes last.
    const dates = events(items).map((event) => event.occurredAt);
    expect(dates).toEqual(dates.toSorted().toReversed());
    expect(keys(items).at(-1)).toBe('watch/old.txt');
    expect(events(items)[0]).toMatchObject({ type: 'object.changed', id: expect.any(String) });
    expect(staticDataChanged).toBe(false);
    expect(JSON.stringify(n8n.savedStaticData('wf-trigger'))).toBe(before);
  });
});

describe('the prefix picker', () => {
  it('lists the folders under what is typed, through the node’s list search', async () => {
    await Promise.all(['pick/a/1.txt', 'pick/b/2.txt', 'pick/c.txt'].map(put));
    const result = await n8n.listSearch({
      nodeType: n8n.triggerType,
      method: 'suggestPrefix',
      parameters: { event: 'objectChanged', prefix: { __rl: true, mode: 'list', value: '' } },
      credentials: s3.connection(),
      filter: 'pick/',
    });
    expect(result.results).toEqual([
      { name: 'pick/a/', value: 'pick/a/', description: 'Folder' },
      { name: 'pick/b/', value: 'pick/b/', description: 'Folder' },
    ]);
  });
});
