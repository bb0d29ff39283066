/**
 * Saved connections: one JSON file, written atomically and locked, with the secrets sealed.
 *
 * Why a file and not SQLite: the store holds a handful of small records, and the host must install
 * anywhere `npm install` works. SQLite bindings are a native build (or a prebuilt binary download) that
 * fails on hosts without compilers; Node 20 has no built-in SQLite. An atomic rename (write-file-atomic)
 * means a reader never sees a half-written file, even after a crash, and a lock (proper-lockfile,
 * which works across processes and recovers stale locks) serialises the read-modify-write of the CLI
 * and the playground server running at the same time.
 *
 * Secrets (the connection schema's `x-secret`/`writeOnly` fields) are sealed with AES-256-GCM, with a
 * fresh IV per write and the connection's id as associated data, so a sealed blob cannot be moved to
 * another record. The key comes from S3_CONNECTOR_SECRET_KEY (base64 of 32 bytes) or `<dir>/secret.key`,
 * created with mode 0600 on first use. No method but `reveal()` ever returns a saved secret.
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import lockfile from 'proper-lockfile';
import writeFileAtomic from 'write-file-atomic';
import type { LoadedConnector } from './connector.js';
import { HostError } from './errors.js';

export const KEY_ENV = 'S3_CONNECTOR_SECRET_KEY';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const STORE_FILE = 'connections.json';
const KEY_FILE = 'secret.key';
const STORE_VERSION = 1;

type Values = Record<string, unknown>;

/** A saved connection as every API shows it: no secret values, only which secrets are set. */
export interface SavedConnection {
  id: string;
  name: string;
  label: string;
  createdAt: string;
  updatedAt: string;
  values: Values;
  secretsSet: string[];
}

interface Sealed {
  iv: string;
  tag: string;
  data: string;
}

interface StoredConnection extends SavedConnection {
  secrets?: Sealed;
}

interface StoreFile {
  version: number;
  /** Identifies the key the secrets are sealed with (an HMAC, not the key), to refuse a wrong key up front. */
  keyId?: string;
  connections: StoredConnection[];
}

export interface StoreOptions {
  /** The 32-byte key; by default from S3_CONNECTOR_SECRET_KEY, else `<dir>/secret.key`. */
  key?: Buffer;
  env?: NodeJS.ProcessEnv;
}

interface Key {
  bytes: Buffer;
  /** Where it came from, for messages. */
  source: string;
}

async function resolveKey(dir: string, options: StoreOptions): Promise<Key> {
  if (options.key) {
    if (options.key.length !== KEY_BYTES) throw new HostError('Setup', `The store key must be ${KEY_BYTES} bytes, not ${options.key.length}.`);
    return { bytes: options.key, source: 'the key given to the store' };
  }
  const fromEnv = (options.env ?? process.env)[KEY_ENV];
  if (fromEnv) {
    const bytes = Buffer.from(fromEnv, 'base64');
    if (bytes.length !== KEY_BYTES) {
      throw new HostError('Setup', `${KEY_ENV} must be ${KEY_BYTES} random bytes in base64 (44 characters, e.g. from \`openssl rand -base64 32\`), but it decodes to ${bytes.length} bytes.`);
    }
    return { bytes, source: KEY_ENV };
  }
  const file = path.join(dir, KEY_FILE);
  try {
    // 'wx': when two processes start at once, one creates the key and the other reads it.
    await writeFile(file, `${randomBytes(KEY_BYTES).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw new HostError('Setup', `Cannot create the key file ${file}: ${(error as Error).message}`, { cause: error });
  }
  const bytes = Buffer.from((await readFile(file, 'utf8')).trim(), 'base64');
  if (bytes.length !== KEY_BYTES) throw new HostError('Setup', `The key file ${file} is damaged: it must hold ${KEY_BYTES} bytes in base64. Restore it from a backup.`);
  return { bytes, source: file };
}

/** The nearest part of `dir` that exists, when it is a file: what blocks making the folder. */
function fileInTheWay(dir: string): string | undefined {
  for (let at = dir; ; at = path.dirname(at)) {
    try {
      return statSync(at).isDirectory() ? undefined : at;
    } catch {
      if (path.dirname(at) === at) return undefined;
    }
  }
}

/** A home folder that cannot be made or used, named with what is wrong and what to do. */
function unusableHome(dir: string, cause: unknown): HostError {
  const code = (cause as NodeJS.ErrnoException).code;
  const blocker = code === 'ENOTDIR' || code === 'EEXIST' ? fileInTheWay(dir) : undefined;
  const reason = blocker
    ? `${blocker} is a file, not a folder`
    : code === 'EACCES' || code === 'EPERM'
      ? `permission denied (${code})`
      : code === 'EROFS'
        ? 'the file system is read-only'
        : (cause as Error).message;
  return new HostError('Setup', `Cannot use ${dir} as the host's home folder: ${reason}. Set S3_CONNECTOR_HOME or --home to a folder you can write to.`, { cause });
}

function keyIdOf(key: Buffer): string {
  return createHmac('sha256', key).update('s3-connector store key id').digest('hex').slice(0, 16);
}

/**
 * A short random id, unused so far. It is typed on command lines (`connections rm <id>`), where a
 * leading "-" would read as an option, so no id starts with one.
 */
export function newConnectionId(taken: (id: string) => boolean, random: (size: number) => Buffer = randomBytes): string {
  let id: string;
  do id = random(6).toString('base64url');
  while (id.startsWith('-') || taken(id));
  return id;
}

function seal(key: Buffer, id: string, secrets: Values): Sealed {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv).setAAD(Buffer.from(id));
  const data = Buffer.concat([cipher.update(JSON.stringify(secrets), 'utf8'), cipher.final()]);
  return { iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), data: data.toString('base64') };
}

/** Drops empty optional values ('' from a blank form field, null, undefined). */
function compact(values: Values): Values {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined && v !== null && v !== ''));
}

function view({ secrets: _sealed, ...saved }: StoredConnection): SavedConnection {
  return structuredClone(saved);
}

export class ConnectionStore {
  readonly file: string;

  private constructor(
    readonly dir: string,
    private readonly key: Key,
  ) {
    this.file = path.join(dir, STORE_FILE);
  }

  /** Opens (creating if needed) the store in `dir`; refuses a key that is not the one the secrets were sealed with. */
  static async open(dir: string, options: StoreOptions = {}): Promise<ConnectionStore> {
    dir = path.resolve(dir);
    try {
      await mkdir(dir, { recursive: true, mode: 0o700 });
    } catch (error) {
      throw unusableHome(dir, error);
    }
    const store = new ConnectionStore(dir, await resolveKey(dir, options));
    store.checkKey(store.read());
    return store;
  }

  list(): SavedConnection[] {
    return this.read().connections.map(view);
  }

  get(idOrName: string): SavedConnection | undefined {
    const found = this.find(this.read(), idOrName);
    return found && view(found);
  }

  /** Like get(), but an unknown connection is a usage error that lists the saved ones. */
  resolve(idOrName: string): SavedConnection {
    const found = this.get(idOrName);
    if (found) return found;
    const names = this.list().map((c) => `"${c.name}"`);
    throw new HostError('Usage', `No saved connection is named or has the id "${idOrName}". ${names.length ? `Saved connections: ${names.join(', ')}.` : 'There are none yet: add one with `connections add`.'}`);
  }

  async create(connector: LoadedConnector, values: Values): Promise<SavedConnection> {
    const all = compact(values);
    this.validate(connector, all);
    return this.mutate((data) => {
      const name = String(all.name);
      this.checkName(data, name);
      const id = newConnectionId((candidate) => data.connections.some((c) => c.id === candidate));
      const now = new Date().toISOString();
      const record = this.record(connector, id, all, now, now);
      data.connections.push(record);
      return view(record);
    });
  }

  /**
   * Replaces the connection's values. A secret field that is absent or '' keeps its saved value
   * (forms never receive secrets back, so they send them empty); a new value replaces it.
   */
  async update(connector: LoadedConnector, idOrName: string, values: Values): Promise<SavedConnection> {
    return this.mutate((data) => {
      const current = this.find(data, idOrName);
      if (!current) throw this.unknown(idOrName);
      const stored = this.unseal(current);
      const given = compact(values);
      const kept = Object.fromEntries(connector.secretFields.filter((f) => given[f] === undefined && stored[f] !== undefined).map((f) => [f, stored[f]]));
      const all = { ...given, ...kept };
      this.validate(connector, all);
      this.checkName(data, String(all.name), current.id);
      const record = this.record(connector, current.id, all, current.createdAt, new Date().toISOString());
      data.connections[data.connections.indexOf(current)] = record;
      return view(record);
    });
  }

  async delete(idOrName: string): Promise<boolean> {
    return this.mutate((data) => {
      const found = this.find(data, idOrName);
      if (found) data.connections.splice(data.connections.indexOf(found), 1);
      return found !== undefined;
    });
  }

  /** The connection's values with its secrets decrypted: only for invoking the connector's hooks. */
  async reveal(idOrName: string): Promise<Values> {
    const data = this.read();
    this.checkKey(data);
    const found = this.find(data, idOrName);
    if (!found) throw this.unknown(idOrName);
    return this.unseal(found);
  }

  private find(data: StoreFile, idOrName: string): StoredConnection | undefined {
    return data.connections.find((c) => c.id === idOrName) ?? data.connections.find((c) => c.name === idOrName);
  }

  private unknown(idOrName: string): HostError {
    return new HostError('Usage', `No saved connection is named or has the id "${idOrName}".`);
  }

  private validate(connector: LoadedConnector, values: Values): void {
    const errors = connector.connectionErrors(values);
    if (errors.length > 0) {
      throw new HostError('InvalidInput', errors.map((e) => e.message).join(' '), { field: errors[0]!.field, details: { errors } });
    }
  }

  private checkName(data: StoreFile, name: string, except?: string): void {
    if (data.connections.some((c) => c.name === name && c.id !== except)) {
      throw new HostError('Conflict', `A connection named "${name}" is already saved. Choose another name, or remove the saved one first.`, { field: '/name' });
    }
  }

  private record(connector: LoadedConnector, id: string, all: Values, createdAt: string, updatedAt: string): StoredConnection {
    const secretNames = connector.secretFields.filter((f) => all[f] !== undefined);
    const values = Object.fromEntries(Object.entries(all).filter(([f]) => !connector.secretFields.includes(f)));
    const secrets = Object.fromEntries(secretNames.map((f) => [f, all[f]]));
    return {
      id,
      name: String(all.name),
      label: connector.label(values),
      createdAt,
      updatedAt,
      values,
      secretsSet: secretNames,
      ...(secretNames.length > 0 ? { secrets: seal(this.key.bytes, id, secrets) } : {}),
    };
  }

  private unseal(record: StoredConnection): Values {
    if (!record.secrets) return structuredClone(record.values);
    try {
      const { iv, tag, data } = record.secrets;
      const decipher = createDecipheriv('aes-256-gcm', this.key.bytes, Buffer.from(iv, 'base64')).setAAD(Buffer.from(record.id));
      decipher.setAuthTag(Buffer.from(tag, 'base64'));
      const plain = Buffer.concat([decipher.update(Buffer.from(data, 'base64')), decipher.final()]).toString('utf8');
      return { ...structuredClone(record.values), ...(JSON.parse(plain) as Values) };
    } catch (error) {
      throw this.wrongKey(`of "${record.name}" `, error);
    }
  }

  private wrongKey(whose = '', cause?: unknown): HostError {
    return new HostError(
      'Setup',
      `The saved secrets ${whose}in ${this.file} cannot be decrypted with the key from ${this.key.source}: they were sealed with another key. Use the key they were saved with (${KEY_ENV} or ${path.join(this.dir, KEY_FILE)}), or remove ${this.file} to start over.`,
      cause === undefined ? {} : { cause },
    );
  }

  private checkKey(data: StoreFile): void {
    if (data.keyId !== undefined && data.keyId !== keyIdOf(this.key.bytes) && data.connections.some((c) => c.secrets)) {
      throw this.wrongKey();
    }
  }

  private read(): StoreFile {
    if (!existsSync(this.file)) return { version: STORE_VERSION, connections: [] };
    let data: StoreFile;
    try {
      data = JSON.parse(readFileSync(this.file, 'utf8')) as StoreFile;
    } catch (error) {
      throw new HostError('Setup', `The saved connections in ${this.file} cannot be read (${(error as Error).message}). Restore the file from a backup, or remove it to start over.`, { cause: error });
    }
    if (data.version !== STORE_VERSION || !Array.isArray(data.connections)) {
      throw new HostError('Setup', `${this.file} is not a store of version ${STORE_VERSION}: it was written by another version of the host.`);
    }
    return data;
  }

  /** Read-modify-write under the cross-process lock, then an atomic rename: all or nothing. */
  private async mutate<T>(change: (data: StoreFile) => T): Promise<T> {
    const release = await lockfile.lock(this.file, {
      realpath: false,
      stale: 10_000,
      retries: { retries: 40, minTimeout: 10, maxTimeout: 250 },
    });
    try {
      const data = this.read();
      this.checkKey(data);
      const result = change(data);
      data.keyId = keyIdOf(this.key.bytes);
      await writeFileAtomic(this.file, `${JSON.stringify(data, null, 2)}\n`, { mode: 0o600 });
      return result;
    } finally {
      await release();
    }
  }
}
