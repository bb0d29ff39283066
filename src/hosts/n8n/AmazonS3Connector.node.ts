/**
 * The n8n node. n8n's loader instantiates the class named like this file, so the name is fixed here;
 * everything the node offers comes from the connector package's connector.json when n8n loads it.
 */
import type { IExecuteFunctions, INodeExecutionData, INodeType, INodeTypeDescription } from 'n8n-workflow';
import { connectorDir, loadContract } from '../shared/contract.js';
import { credentialTests, describeNode, executeNode } from './node.js';
import { OPERATION } from './properties.js';
import { listSearch } from './suggest.js';

const contract = loadContract(connectorDir(__filename));

export class AmazonS3Connector implements INodeType {
  description: INodeTypeDescription = describeNode(contract);

  methods = { credentialTest: credentialTests(contract), listSearch: listSearch(contract, contract.actions, OPERATION) };

  async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
    return executeNode.call(this, contract);
  }
}
