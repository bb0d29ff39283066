/**
 * The n8n node and credential type, derived when n8n loads them from connector.json and the schemas:
 * an operation per action, parameters from the input schemas, output items as the output schemas say,
 * credentials from the connection schema and their "Test" through the contract's testConnection.
 */
import type {
  ICredentialDataDecryptedObject,
  ICredentialsDecrypted,
  ICredentialTestFunctions,
  ICredentialType,
  IDataObject,
  IExecuteFunctions,
  INodeCredentialTestResult,
  INodeExecutionData,
  INodeTypeDescription,
} from 'n8n-workflow';
import type { FileRef } from '../../contract.js';
import { runAction, type Contract, type Operation } from '../shared/contract.js';
import { fieldsOf, fileOutputs, inputFields, isUnset, toInput } from '../shared/fields.js';
import { N8nBinaryFiles } from './binary.js';
import { errorJson, toNodeError } from './errors.js';
import { ADVANCED, credentialProperties, isAdvanced, locatorValue, nodeProperties, ONE_OF, OPERATION, OUTPUT_BINARY } from './properties.js';

/** n8n's names for the node and credential types; their classes are named like their files. */
export const NODE_NAME = 'amazonS3Connector';
export const CREDENTIAL_NAME = 'amazonS3ConnectorApi';
/** The `methods.credentialTest` entry the credential's "Test" button runs. */
export const CREDENTIAL_TEST = 'testConnection';

/** The icon ships beside the node file, under the manifest icon's own file name. */
export function iconFile(contract: Contract): `file:${string}.svg` {
  // The contract's icon is an SVG (the reference host checks it is).
  return `file:${contract.manifest.icon.split('/').pop()}` as `file:${string}.svg`;
}

export function describeNode(contract: Contract): INodeTypeDescription {
  const { manifest } = contract;
  return {
    displayName: manifest.name,
    name: NODE_NAME,
    icon: iconFile(contract),
    group: ['transform'],
    version: 1,
    subtitle: '={{$parameter["operation"]}}',
    description: manifest.description,
    defaults: { name: manifest.name },
    inputs: ['main'],
    outputs: ['main'],
    credentials: [{ name: CREDENTIAL_NAME, required: true, testedBy: CREDENTIAL_TEST }],
    properties: nodeProperties(contract.actions),
  };
}

export function describeCredential(contract: Contract): Pick<ICredentialType, 'name' | 'displayName' | 'icon' | 'properties'> {
  return {
    name: CREDENTIAL_NAME,
    displayName: `${contract.manifest.name} connection`,
    icon: iconFile(contract),
    properties: credentialProperties(contract.connection),
  };
}

/** The credential's fields as our connection: unset fields left out, so the schema's defaults apply. */
export function toConnection(contract: Contract, data: ICredentialDataDecryptedObject): Record<string, unknown> {
  return toInput(fieldsOf(contract.connection), (field) => data[field.name]);
}

/** `methods.credentialTest`: the credential "Test" button shows testConnection's diagnosis. */
export function credentialTests(contract: Contract) {
  return {
    async [CREDENTIAL_TEST](this: ICredentialTestFunctions, credential: ICredentialsDecrypted): Promise<INodeCredentialTestResult> {
      const result = await (await contract.hooks()).testConnection(toConnection(contract, credential.data ?? {}));
      return { status: result.ok ? 'OK' : 'Error', message: result.message };
    },
  };
}

/** Reads one parameter (resolved for the item at hand), or `fallback` when it is not set. */
export type ParameterReader = (name: string, fallback: unknown) => unknown;

/**
 * An operation's input from the node's parameters: advanced fields from the Options collection, only the
 * chosen member of an "exactly one of" group, a resource locator's value unwrapped; `file` turns a file
 * field's value (a binary property name) into a FileRef.
 */
export function operationInput(operation: Operation, param: ParameterReader, file?: (value: unknown) => FileRef): Record<string, unknown> {
  const fields = inputFields(operation);
  const advanced = (param(ADVANCED, {}) ?? {}) as IDataObject;
  const chosen = fields.some((f) => f.exclusive) ? param(ONE_OF, undefined) : undefined;
  return toInput(fields, (field) => {
    if (field.exclusive && field.name !== chosen) return undefined;
    const value = locatorValue(isAdvanced(field) ? advanced[field.name] : param(field.name, undefined));
    return field.kind === 'file' && file && !isUnset(value) ? file(value) : value;
  });
}

/** The output as an item: its JSON as the output schema says, and each file it returned as binary data. */
function toItem(fn: IExecuteFunctions, operation: Operation, output: IDataObject, files: N8nBinaryFiles, itemIndex: number): INodeExecutionData {
  const item: INodeExecutionData = { json: output, pairedItem: { item: itemIndex } };
  const fileFields = fileOutputs(operation.output);
  if (fileFields.length === 0) return item;
  const property = fn.getNodeParameter(OUTPUT_BINARY, itemIndex, 'data') as string;
  fileFields.forEach((name, n) => {
    const binary = output[name] && files.binaryOf(output[name] as FileRef);
    if (binary) (item.binary ??= {})[n === 0 ? property : `${property}_${name}`] = binary;
  });
  return item;
}

export async function executeNode(this: IExecuteFunctions, contract: Contract): Promise<INodeExecutionData[][]> {
  const connection = toConnection(contract, await this.getCredentials(CREDENTIAL_NAME));
  const signal = this.getExecutionCancelSignal();
  const results: INodeExecutionData[] = [];
  const items = this.getInputData();
  for (let i = 0; i < items.length; i++) {
    try {
      const id = this.getNodeParameter(OPERATION, i) as string;
      const operation = contract.actions.find((a) => a.id === id);
      if (!operation) throw new Error(`Unknown operation "${id}": this node offers ${contract.actions.map((a) => a.id).join(', ')}.`);
      const files = new N8nBinaryFiles(this, i);
      const input = operationInput(operation, (name, fallback) => this.getNodeParameter(name, i, fallback), (value) => files.input(value as string));
      const output = (await runAction(contract, operation.id, input, { connection, files, logger: this.logger, ...(signal ? { signal } : {}) })) as IDataObject;
      results.push(toItem(this, operation, output, files, i));
    } catch (error) {
      if (!this.continueOnFail()) throw toNodeError(this.getNode(), error, i);
      results.push({ json: { ...errorJson(error) }, pairedItem: { item: i } });
    }
  }
  return [results];
}
