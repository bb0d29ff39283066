/**
 * The n8n trigger node. n8n's loader instantiates the class named like this file; its triggers come from
 * the connector package's connector.json when n8n loads it.
 */
import type { INodeExecutionData, INodeType, INodeTypeDescription, IPollFunctions } from 'n8n-workflow';
import { connectorDir, loadContract } from '../shared/contract.js';
import { EVENT } from './properties.js';
import { listSearch } from './suggest.js';
import { describeTriggerNode, pollNode } from './trigger.js';

const contract = loadContract(connectorDir(__filename));

export class AmazonS3ConnectorTrigger implements INodeType {
  description: INodeTypeDescription = describeTriggerNode(contract);

  methods = { listSearch: listSearch(contract, contract.triggers, EVENT) };

  async poll(this: IPollFunctions): Promise<INodeExecutionData[][] | null> {
    return pollNode.call(this, contract);
  }
}
