/** The piece module Activepieces loads: the piece, built from the connector package's connector.json. */
import { readFileSync } from 'node:fs';
import { connectorDir, loadContract } from '../shared/contract.js';
import { buildPiece } from './piece.js';

const contract = loadContract(connectorDir(__filename));

export const amazonS3 = buildPiece(contract, readFileSync(contract.iconPath, 'utf8'));
