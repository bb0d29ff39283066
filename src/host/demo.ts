/**
 * `npm start`: the whole main job in one process, with no AWS account. The embedded S3 emulator with a
 * demo bucket of sample images (drawn by sharp here: nothing is downloaded), a saved connection to it,
 * and the playground on 127.0.0.1. With `aws` (or S3_CONNECTOR_USE_AWS=1) the saved connection comes
 * from the AWS_* environment variables (or a .env file) instead, and no emulator starts.
 *
 * The demo shares the CLI's home (S3_CONNECTOR_HOME, default ~/.s3-connector): its connection is
 * there for `s3-connector` in another terminal, and what the user saves in the playground is kept.
 * Only the emulator's data is temporary, removed when the demo stops.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import sharp from 'sharp';
import { EMULATOR_CREDENTIALS, startEmulator, type Emulator } from '../emulator.js';
import { connectionFromEnv } from './core/env.js';
import type { LogSink } from './core/logger.js';
import { defaultHome, packageDirOf } from './core/paths.js';
import { openHost } from './core/run.js';
import type { SavedConnection } from './core/store.js';
import { startPlayground } from './web/server.js';

export const DEMO_BUCKET = 'demo-images';
export const DEMO_CONNECTION_NAME = 'Demo bucket (embedded emulator)';
export const USE_AWS_ENV = 'S3_CONNECTOR_USE_AWS';

export interface DemoOptions {
  /** Use the AWS account of the AWS_* environment variables (or .env) instead of the emulator. */
  aws?: boolean;
  env?: NodeJS.ProcessEnv;
  /** The .env file read in AWS mode, when it exists; `.env` in the working directory by default. */
  dotenvPath?: string;
  /** Where the saved connections, key and files live: the CLI's home, $S3_CONNECTOR_HOME or ~/.s3-connector by default. Kept on close. */
  home?: string;
  /** The playground's port; 0 (the default) picks a free one. */
  port?: number;
  /** The connector package to load; by default the one this host ships in. */
  connectorDir?: string;
  /** Log lines (secrets already masked); the terminal by default. */
  log?: LogSink;
}

export interface Demo {
  /** The playground's address, e.g. http://127.0.0.1:41234/ */
  url: string;
  /** The emulator's endpoint, when the demo runs on it. */
  endpoint?: string;
  /** The emulator's data folder: temporary, removed on close. */
  emulatorData?: string;
  /** The key pair the emulator accepts: AWS's documentation examples, test keys that are no one's secret. */
  emulatorKeys?: { accessKeyId: string; secretAccessKey: string };
  bucket: string;
  home: string;
  connection: SavedConnection;
  /** Cancels running actions, stops the playground and the emulator, and removes the emulator's data. The home stays. */
  close(): Promise<void>;
}

const terminal: LogSink = (level, msg, data) => {
  if (level === 'debug') return;
  console.error(`${level.padEnd(5)} ${msg}${data === undefined ? '' : ` ${JSON.stringify(data)}`}`);
};

interface Sample {
  key: string;
  width: number;
  height: number;
  format: 'jpeg' | 'png' | 'webp';
  svg: (w: number, h: number) => string;
}

/** A landscape of layered hills under a sky gradient with a sun: enough detail to judge a resize by. */
function landscape(sky: [string, string], sun: string, hills: string[]) {
  return (w: number, h: number) => `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}">
  <defs><linearGradient id="sky" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="${sky[0]}"/><stop offset="1" stop-color="${sky[1]}"/></linearGradient></defs>
  <rect width="${w}" height="${h}" fill="url(#sky)"/>
  <circle cx="${w * 0.72}" cy="${h * 0.3}" r="${h * 0.12}" fill="${sun}"/>
  ${hills
    .map((color, i) => {
      const base = h * (0.55 + i * 0.14);
      return `<path d="M0 ${base} Q ${w * 0.25} ${base - h * 0.18} ${w * 0.5} ${base} T ${w} ${base - h * 0.05} V ${h} H 0 Z" fill="${color}"/>`;
    })
    .join('\n  ')}
</svg>`;
}

const SAMPLES: Sample[] = [
  { key: 'photos/sunset.jpg', width: 2400, height: 1600, format: 'jpeg', svg: landscape(['#ff9a5a', '#ffd9a0'], '#fff3c4', ['#b0514a', '#6e2f3a', '#3b1d2e']) },
  { key: 'photos/alps.jpg', width: 2400, height: 1600, format: 'jpeg', svg: landscape(['#4a8fd8', '#cfe6ff'], '#ffffff', ['#7d9bb5', '#4f6d86', '#2c4256']) },
  { key: 'photos/meadow.jpg', width: 1600, height: 2400, format: 'jpeg', svg: landscape(['#8fd3f4', '#e0f7ff'], '#fff7b0', ['#8bc34a', '#5a9a2e', '#2f6b1e']) },
  { key: 'photos/night.jpg', width: 2048, height: 1365, format: 'jpeg', svg: landscape(['#0b1026', '#2b3a6b'], '#f5f3ce', ['#1f2a48', '#141c33', '#0a0f1e']) },
  { key: 'photos/desert.jpg', width: 2048, height: 1365, format: 'jpeg', svg: landscape(['#f6c177', '#fde8c8'], '#fffaf0', ['#e0a458', '#c07a3a', '#8c5226']) },
  {
    key: 'graphics/badge.png',
    width: 1024,
    height: 1024,
    format: 'png',
    svg: (w, h) => `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}">
  <circle cx="${w / 2}" cy="${h / 2}" r="${w * 0.42}" fill="#c2410c"/>
  <circle cx="${w / 2}" cy="${h / 2}" r="${w * 0.3}" fill="none" stroke="#fff" stroke-width="${w * 0.04}"/>
  <path d="M ${w * 0.38} ${h * 0.5} L ${w * 0.47} ${h * 0.6} L ${w * 0.64} ${h * 0.4}" fill="none" stroke="#fff" stroke-width="${w * 0.05}" stroke-linecap="round" stroke-linejoin="round"/>
</svg>`,
  },
  { key: 'banners/ocean.webp', width: 3000, height: 1000, format: 'webp', svg: landscape(['#0077b6', '#90e0ef'], '#fefae0', ['#00b4d8', '#0096c7', '#023e8a']) },
];

const CONTENT_TYPES = { jpeg: 'image/jpeg', png: 'image/png', webp: 'image/webp' } as const;

/** Draws the sample images with sharp and puts them into the emulator's demo bucket. */
async function seed(endpoint: string, bucket: string): Promise<number> {
  const s3 = new S3Client({
    region: 'us-east-1',
    endpoint,
    forcePathStyle: true,
    // A copy: the SDK marks the credentials object it is given.
    credentials: { ...EMULATOR_CREDENTIALS },
  });
  try {
    for (const sample of SAMPLES) {
      const body = await sharp(Buffer.from(sample.svg(sample.width, sample.height)))
        [sample.format]({ quality: 82 })
        .toBuffer();
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: sample.key, Body: body, ContentType: CONTENT_TYPES[sample.format] }));
    }
    const readme = `Sample images drawn by sharp for the playground demo. Try "resize" on ${SAMPLES[0]!.key}.\n`;
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'README.txt', Body: readme, ContentType: 'text/plain; charset=utf-8' }));
    return SAMPLES.length + 1;
  } finally {
    s3.destroy();
  }
}

export async function startDemo(options: DemoOptions = {}): Promise<Demo> {
  const env = options.env ?? process.env;
  const log = options.log ?? terminal;
  const aws = options.aws ?? ['1', 'true', 'yes'].includes((env[USE_AWS_ENV] ?? '').toLowerCase());
  const connectorDir = options.connectorDir ?? packageDirOf(import.meta.url);
  if (!connectorDir) throw new Error('The demo cannot find the connector package (no connector.json above this module).');

  const cleanup: Array<() => Promise<unknown>> = [];
  const close = async () => {
    for (const step of cleanup.reverse()) await step().catch(() => {});
  };
  try {
    const home = options.home ?? defaultHome(env);
    // The user's own key (S3_CONNECTOR_SECRET_KEY or <home>/secret.key), so the CLI reads what the demo saves.
    const host = await openHost({ connectorDir, home, env });

    let values: Record<string, unknown>;
    let emulator: Emulator | undefined;
    if (aws) {
      const dotenvPath = options.dotenvPath ?? path.resolve('.env');
      values = { ...connectionFromEnv(env, existsSync(dotenvPath) ? dotenvPath : undefined) };
    } else {
      emulator = await startEmulator({ buckets: [DEMO_BUCKET] });
      cleanup.push(() => emulator!.close());
      const count = await seed(emulator.endpoint, DEMO_BUCKET);
      log('info', `S3 emulator at ${emulator.endpoint}: bucket "${DEMO_BUCKET}" seeded with ${count} objects.`);
      values = { name: DEMO_CONNECTION_NAME, ...EMULATOR_CREDENTIALS, bucket: DEMO_BUCKET, region: 'us-east-1', endpoint: emulator.endpoint, forcePathStyle: true };
    }
    // On a kept home the demo connection already exists: point it at this run's emulator (its port
    // changes on each start), keeping whatever else the user changed in it.
    const existing = host.store.get(String(values.name));
    const connection = existing
      ? await host.store.update(host.connector, existing.id, { ...existing.values, ...values })
      : await host.store.create(host.connector, values);

    const playground = await startPlayground({ host, log, ...(options.port === undefined ? {} : { port: options.port }) });
    cleanup.push(() => playground.close());
    return {
      url: playground.url,
      ...(emulator ? { endpoint: emulator.endpoint, emulatorData: emulator.directory, emulatorKeys: { ...EMULATOR_CREDENTIALS } } : {}),
      bucket: String(values.bucket),
      home,
      connection,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
