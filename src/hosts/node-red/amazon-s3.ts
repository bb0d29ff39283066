/**
 * The module Node-RED loads (the package's "node-red".nodes entry): it registers the config node and the
 * action node, built from the connector package's connector.json. Its editor is amazon-s3.html beside it,
 * generated from the same manifest when the package is built.
 */
import type { NodeAPI } from 'node-red';
import { connectorDir, loadContract } from '../shared/contract.js';
import { registerNodes } from './nodes.js';

module.exports = function register(RED: NodeAPI): void {
  registerNodes(RED, loadContract(connectorDir(__filename)));
};
