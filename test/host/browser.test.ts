/**
 * The whole user path through the playground, in Debian's headless chromium driven by playwright-core,
 * against `npm start`'s demo (the embedded emulator, its sample images and the host's real store).
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EMULATOR_CREDENTIALS } from '../../src/emulator.js';
import { startDemo, type Demo } from '../../src/host/demo.js';

const CHROMIUM = '/usr/bin/chromium';
const manifest = JSON.parse(readFileSync('connector.json', 'utf8')) as { actions: Array<{ id: string; name: string }> };
const actionName = (id: string) => manifest.actions.find((action) => action.id === id)?.name;
const SCREENSHOTS = path.resolve('reports');

const NAME = 'Playwright bucket';
const LABEL = `${NAME} (demo-images, us-east-1)`;
const BULK_IMAGES = 24;

let demo: Demo;
let browser: BrowserContext;
let page: Page;
let userData: string;
let home: string;
let s3: S3Client;
const pageErrors: string[] = [];

/** The current run's outcome line, once the run has ended. */
async function runStatus(): Promise<string> {
  const status = page.getByTestId('run-status');
  await status.waitFor({ timeout: 20_000 });
  return (await status.textContent()) ?? '';
}

async function keysUnder(prefix: string): Promise<string[]> {
  const page = await s3.send(new ListObjectsV2Command({ Bucket: demo.bucket, Prefix: prefix }));
  return (page.Contents ?? []).map((object) => object.Key!);
}

async function screenshot(name: string) {
  await mkdir(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, `playground-${name}.png`), fullPage: true });
}

describe.skipIf(!existsSync(CHROMIUM))('the playground, walked in a real browser', () => {
  beforeAll(async () => {
    home = await mkdtemp(path.join(tmpdir(), 'playground-home-'));
    demo = await startDemo({ home, env: {}, log: () => {} });
    s3 = new S3Client({ region: 'us-east-1', endpoint: demo.endpoint, forcePathStyle: true, credentials: { ...EMULATOR_CREDENTIALS } });
    userData = await mkdtemp(path.join(tmpdir(), 'playground-chromium-'));
    browser = await chromium.launchPersistentContext(userData, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
      viewport: { width: 1280, height: 900 },
    });
    page = browser.pages()[0] ?? (await browser.newPage());
    page.setDefaultTimeout(10_000);
    page.on('pageerror', (error) => pageErrors.push(error.message));
    // rjsf reports schemas it cannot compile or render as console warnings: a schema problem shows here.
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') pageErrors.push(`${message.type()}: ${message.text()}`);
    });
    await page.goto(demo.url);
  });

  afterAll(async () => {
    await browser?.close();
    await demo?.close();
    s3?.destroy();
    if (userData) await rm(userData, { recursive: true, force: true });
    if (home) await rm(home, { recursive: true, force: true });
  });

  it('1. picks an action from the grouped, searchable list', async () => {
    await page.getByRole('heading', { name: /Amazon S3/ }).waitFor();
    const objects = page.getByRole('group', { name: 'Objects' });
    expect(await objects.getByRole('button', { name: /^List objects/ }).isVisible()).toBe(true);

    await page.getByRole('searchbox', { name: 'Search actions' }).fill('list');
    await page.getByRole('button', { name: /^List objects/ }).waitFor();
    expect(await page.getByRole('button', { name: /^Get object info/ }).count()).toBe(0);

    await page.getByRole('button', { name: /^List objects/ }).click();
    expect(await page.getByRole('button', { name: /^List objects/ }).getAttribute('aria-pressed')).toBe('true');
    await page.getByRole('heading', { name: 'Run “List objects”' }).waitFor();
    expect(new URL(page.url()).hash).toBe('#action=list');
  });

  it('2. turns on "Create new connection" and fills the form rendered from the schema', async () => {
    await page.getByRole('switch', { name: 'Create new connection' }).check();
    await page.getByLabel('Connection name').fill(NAME);
    await page.getByLabel('Access key ID').fill(EMULATOR_CREDENTIALS.accessKeyId);
    const secret = page.getByLabel('Secret access key');
    expect(await secret.getAttribute('type')).toBe('password');
    await secret.fill(EMULATOR_CREDENTIALS.secretAccessKey);

    // Inline validation, with the rule in words from the schema's $comment: shown on the first try,
    // before any request, then following each change.
    await page.getByLabel('Bucket').fill('Demo_Images');
    await page.getByRole('button', { name: 'Test connection' }).click();
    await page.getByText(/must be a bucket name of 3 to 63 lowercase letters/).waitFor();
    expect(await page.locator('.outcome').count()).toBe(0);
    await page.getByLabel('Bucket').fill(demo.bucket);
    await page.getByText(/must be a bucket name/).waitFor({ state: 'detached' });

    // One Region field (not a "Region" picker of forms and then an "AWS Region" list), filled with its default
    // and suggesting the AWS regions.
    const form = page.locator('.connection-form');
    expect(await form.getByLabel(/Region/).count()).toBe(1);
    expect(await form.locator('label', { hasText: 'Region' }).count()).toBe(1);
    const region = page.getByLabel('Region');
    expect(await region.inputValue()).toBe('us-east-1');
    expect(await page.locator(`#${await region.getAttribute('list')} option[value="eu-west-1"]`).count()).toBe(1);

    // Advanced fields are collapsed until opened.
    const endpoint = page.getByLabel('Custom endpoint');
    expect(await endpoint.isVisible()).toBe(false);
    await page.locator('.connection-form summary', { hasText: 'Advanced settings' }).click();
    // The defaults the connector applies, shown: for a custom endpoint, path-style on and checksums only when
    // required; for AWS, path-style off and checksums whenever supported. (The endpoint is filled again at the
    // end whatever happens: no step may reach out to AWS.)
    const pathStyle = page.getByLabel('Path-style URLs');
    const checksums = page.getByLabel('Checksums');
    try {
      await endpoint.fill(demo.endpoint!);
      await endpoint.fill('');
      await expect.poll(() => pathStyle.isChecked()).toBe(false);
      expect(await checksums.locator('option:checked').textContent()).toBe('Default: Whenever the operation supports them (AWS)');
    } finally {
      await endpoint.fill(demo.endpoint!);
    }
    await expect.poll(() => pathStyle.isChecked()).toBe(true);
    expect(await checksums.locator('option:checked').textContent()).toBe('Default: Only when the operation requires them (compatible)');
    expect(await form.locator('.default-note').textContent()).toBe('Default: on');
    // Descriptions are a line a person reads at the field.
    for (const description of await form.locator('.field-description').allTextContents()) expect(description.length, description).toBeLessThan(200);
    await screenshot('connection-form');
  });

  it('3. tests the connection: success, then a wrong secret diagnosed as InvalidCredentials', async () => {
    await page.getByRole('button', { name: 'Test connection' }).click();
    const success = page.locator('.outcome.success');
    await success.waitFor();
    expect(await success.textContent()).toContain(`Connected to bucket "${demo.bucket}"`);

    await page.getByLabel('Secret access key').fill('not-the-secret-at-all');
    await page.getByRole('button', { name: 'Test connection' }).click();
    const failure = page.locator('.outcome.failure');
    await failure.waitFor();
    expect(await failure.getByTestId('error-code').textContent()).toBe('InvalidCredentials');
    expect(await failure.textContent()).toContain('The secret access key does not match the access key ID');
    await screenshot('wrong-secret');

    await page.getByLabel('Secret access key').fill(EMULATOR_CREDENTIALS.secretAccessKey);
  });

  it('4. saves the connection, says so, and picks it by its label', async () => {
    await page.getByRole('button', { name: 'Save connection' }).click();
    await page.getByLabel('Connection name').waitFor({ state: 'detached' });
    expect(await page.getByRole('status').filter({ hasText: 'Saved' }).textContent()).toBe(`✔ Saved “${LABEL}”. It is selected, and kept for the CLI too.`);
    const saved = page.getByLabel('Saved connection');
    expect(await saved.locator('option:checked').textContent()).toBe(LABEL);
    expect(await page.getByRole('switch', { name: 'Create new connection' }).isChecked()).toBe(false);
  });

  it('5. reloads the page and reuses the saved connection, whose secret never reaches the page', async () => {
    await page.reload();
    await page.getByRole('heading', { name: 'Run “List objects”' }).waitFor();
    await page.getByLabel('Saved connection').selectOption({ label: LABEL });
    expect(await page.content()).not.toContain(EMULATOR_CREDENTIALS.secretAccessKey);

    await page.getByRole('button', { name: 'Test connection' }).click();
    const outcome = page.locator('.outcome.success');
    await outcome.waitFor();
    // The details add to the message and do not repeat it: no empty base path, no "empty: false".
    const details = await outcome.locator('dt').allTextContents();
    expect(details).not.toContain('basePath');
    expect(details).not.toContain('empty');
    expect(details).not.toContain('bucket');
    expect(await outcome.locator('dd').allTextContents()).not.toContain('');

    // Editing shows the secret as saved, not its value.
    await page.getByRole('button', { name: 'Edit' }).click();
    const secret = page.getByLabel('Secret access key');
    expect(await secret.inputValue()).toBe('');
    expect(await secret.getAttribute('placeholder')).toBe('saved — leave empty to keep');
    await page.getByRole('button', { name: 'Cancel' }).click();
  });

  it('6. runs list and shows the objects as a table, with the JSON one click away', async () => {
    await page.getByLabel('Prefix').fill('photos/');
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    // The summary says what it counted.
    expect(await runStatus()).toMatch(/^Succeeded in \d+\.\d s · Listed 5 objects and 0 folders$/);
    const table = page.getByRole('table', { name: 'objects' });
    expect(await table.locator('caption').textContent()).toBe('objects (5)');
    expect(await table.locator('th').allTextContents()).toEqual(['key', 'size', 'lastModified', 'etag', 'storageClass']);
    const sunset = table.locator('tr', { hasText: 'photos/sunset.jpg' });
    expect(await sunset.locator('td').nth(1).textContent()).toMatch(/^\d+(\.\d)? KiB$/);
    const json = page.getByLabel('Output');
    expect(await json.isVisible()).toBe(false);
    await page.getByText('Output as JSON').click();
    expect(await json.isVisible()).toBe(true);
    const output = (await json.textContent()) ?? '';
    expect(output).toContain('"key": "photos/sunset.jpg"');
    expect(output).not.toContain('banners/');
    await screenshot('list');
  });

  it.skipIf(!actionName('resize'))('7. picks a demo image with the key picker, and previews the source beside the resized image', async () => {
    await page.getByRole('searchbox', { name: 'Search actions' }).fill('resize');
    await page.getByRole('button', { name: new RegExp(`^${actionName('resize')}`) }).click();
    // The picker lists the bucket's folders (and images only) as the user types.
    const source = page.getByRole('combobox', { name: 'Source key' });
    await source.click();
    const choices = page.getByRole('listbox', { name: 'Choices for Source key' });
    await choices.getByRole('option', { name: /^photos\// }).click();
    expect(await source.inputValue()).toBe('photos/');
    await choices.getByRole('option', { name: /^photos\/sunset\.jpg/ }).waitFor();
    expect(await choices.getByRole('option').allTextContents()).not.toContain(expect.stringContaining('README'));
    await source.pressSequentially('sun');
    await expect.poll(() => choices.getByRole('option').count()).toBe(1);
    await source.press('ArrowDown');
    await source.press('Enter');
    expect(await source.inputValue()).toBe('photos/sunset.jpg');
    // A thumbnail of the chosen source.
    const thumbnail = page.getByRole('img', { name: 'Thumbnail of photos/sunset.jpg' });
    await thumbnail.waitFor();

    await page.getByLabel('Width').fill('320');
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    expect(await runStatus()).toMatch(/^Succeeded in/);
    const figures = page.locator('.previews figure');
    await expect.poll(() => figures.count()).toBe(2);
    expect(await figures.first().locator('figcaption').textContent()).toBe('Source: photos/sunset.jpg');
    const preview = figures.nth(1).locator('img');
    // The bytes the host's file store holds, decoded by the browser: 2400x1600 resized to 320 wide, beside the source.
    await page.waitForFunction(() => Array.from(document.querySelectorAll<HTMLImageElement>('.previews img')).every((img) => img.complete));
    expect(await preview.evaluate((img: HTMLImageElement) => [img.naturalWidth, img.naturalHeight])).toEqual([320, 213]);
    expect(await figures.first().locator('img').evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(2400);
    await screenshot('resize');
  });

  it.skipIf(!actionName('resizeMany'))('8. cancels a long bulk resize, which stops where it was', async () => {
    // Small JPEGs, encoded to AVIF one at a time: about a third of a second each, so the run is long enough to cancel.
    const source = await sharp({ create: { width: 1200, height: 800, channels: 3, background: '#c2410c' } }).jpeg().toBuffer();
    for (let i = 0; i < BULK_IMAGES; i++) {
      await s3.send(new PutObjectCommand({ Bucket: demo.bucket, Key: `bulk/img-${String(i).padStart(2, '0')}.jpg`, Body: source, ContentType: 'image/jpeg' }));
    }
    await page.getByRole('searchbox', { name: 'Search actions' }).fill('resize');
    await page.getByRole('button', { name: new RegExp(`^${actionName('resizeMany')}`) }).click();
    await page.getByLabel('Prefix').fill('bulk/');
    // `sizes` has minItems 1, so the form starts with one row, named as a row; its buttons say which row they act on.
    await page.getByRole('textbox', { name: 'Size 1', exact: true }).fill('800x');
    await page.getByRole('button', { name: 'Add size' }).click();
    await page.getByRole('textbox', { name: 'Size 2', exact: true }).fill('400x');
    expect(await page.getByRole('button', { name: 'Remove Size 2' }).isVisible()).toBe(true);
    expect(await page.getByRole('button', { name: 'Move Size 1 down' }).isVisible()).toBe(true);
    await page.getByRole('button', { name: 'Remove Size 2' }).click();
    expect(await page.getByRole('textbox', { name: 'Size 2', exact: true }).count()).toBe(0);
    // No button on the page is left without a name a screen reader can say.
    const unnamed = await page.locator('button').evaluateAll((buttons) => buttons.filter((b) => !(b.getAttribute('aria-label') || b.textContent?.trim())).length);
    expect(unnamed).toBe(0);
    expect(await page.getByText(/Sizes-1|Extensions-1/).count()).toBe(0);
    await page.getByLabel('Destination key template').fill('bulk-out/{name}-{size}.{ext}');
    await page.getByLabel('Format').selectOption({ label: 'AVIF' });
    await page.locator('#input summary', { hasText: 'Advanced settings' }).click();
    await page.getByLabel('Images at once').fill('1');

    await page.getByRole('button', { name: 'Run', exact: true }).click();
    // Running, with at least one image done.
    await page.locator('.progress', { hasText: /^[1-9]\d* \/|^[1-9]\d* ·/ }).waitFor({ timeout: 20_000 });
    await page.getByRole('button', { name: 'Cancel' }).click();
    expect(await runStatus()).toMatch(/^Cancelled in/);
    expect(await page.locator('.run-result').getByTestId('error-code').textContent()).toBe('Aborted');

    const written = await keysUnder('bulk-out/');
    expect(written.length).toBeGreaterThan(0);
    expect(written.length).toBeLessThan(BULK_IMAGES);
    // Stopped, not merely hidden: nothing more is written afterwards.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect((await keysUnder('bulk-out/')).length).toBe(written.length);
    await screenshot('cancelled');
  });

  it('9. lists the trigger beside the actions, and "Test trigger" shows the newest objects first', async () => {
    // Written a second apart, the newest first in no alphabetical sense.
    await s3.send(new PutObjectCommand({ Bucket: demo.bucket, Key: 'arrivals/b-older.csv', Body: 'a,b\n1,2\n', ContentType: 'text/csv' }));
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await s3.send(new PutObjectCommand({ Bucket: demo.bucket, Key: 'arrivals/a-newer.csv', Body: 'a,b\n3,4\n', ContentType: 'text/csv' }));

    const triggers = page.getByRole('group', { name: 'Triggers' });
    await triggers.getByRole('button', { name: /^New or updated object/ }).click();
    await page.getByRole('heading', { name: 'Test “New or updated object”' }).waitFor();
    expect(new URL(page.url()).hash).toBe('#trigger=objectChanged');
    await page.getByLabel('Prefix').fill('arrivals/');
    await page.getByRole('button', { name: 'Test trigger' }).click();
    expect(await page.getByTestId('sample-status').textContent()).toBe('2 recent examples, newest first');
    const items = await page.getByRole('list', { name: 'Sample events' }).getByRole('listitem').allTextContents();
    expect(items.map((item) => /key=(\S+)/.exec(item)?.[1])).toEqual(['arrivals/a-newer.csv', 'arrivals/b-older.csv']);
    expect(items[0]).toContain('object.changed');
    await screenshot('trigger');
  });

  it('logs no error or warning in the page', () => {
    expect(pageErrors).toEqual([]);
  });
});
