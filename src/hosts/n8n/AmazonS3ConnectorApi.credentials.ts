/** The n8n credential type: the connection form, derived from the connection schema when n8n loads it. */
import type { ICredentialType } from 'n8n-workflow';
import { connectorDir, loadContract } from '../shared/contract.js';
import { describeCredential } from './node.js';

const described = describeCredential(loadContract(connectorDir(__filename)));

export class AmazonS3ConnectorApi implements ICredentialType {
  name = described.name;

  displayName = described.displayName;

  icon = described.icon;

  properties = described.properties;
}
