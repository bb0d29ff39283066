/**
 * Installs a built adapter package the way `npm install <package>` in a host's folder does: the package
 * (copied, as npm unpacks it), its dependency the connector package (this repository, or a modified copy
 * of it) and the host packages it expects the host to provide, under `<dir>/node_modules`.
 */
import { cpSync, mkdirSync, readFileSync, realpathSync, symlinkSync } from 'node:fs';
import path from 'node:path';

export const ROOT = path.resolve(import.meta.dirname, '../../..');
const HOST_MODULES = path.join(ROOT, 'hosts/node_modules');
const CONNECTOR = '@s3-connector/amazon-s3';

function link(target: string, at: string): void {
  mkdirSync(path.dirname(at), { recursive: true });
  symlinkSync(target, at, 'dir');
}

/** Returns the installed package's folder. */
export function installAdapter(dir: string, adapter: string, options: { connectorDir?: string; hostPackages: string[] }): string {
  const modules = path.join(dir, 'node_modules');
  const source = path.join(ROOT, 'packages', adapter);
  const { name } = JSON.parse(readFileSync(path.join(source, 'package.json'), 'utf8')) as { name: string };
  const installed = path.join(modules, name);
  mkdirSync(installed, { recursive: true });
  cpSync(path.join(source, 'package.json'), path.join(installed, 'package.json'));
  cpSync(path.join(source, 'dist'), path.join(installed, 'dist'), { recursive: true });
  link(options.connectorDir ?? ROOT, path.join(modules, CONNECTOR));
  for (const host of options.hostPackages) link(realpathSync(path.join(HOST_MODULES, host)), path.join(modules, host));
  return installed;
}
