/**
 * A small n8n, in-process: our own version of n8n's packages/core/nodes-testing/node-test-harness.ts,
 * which n8n does not publish. It installs the adapter package the way `npm install` in ~/.n8n/nodes does,
 * loads it with n8n's own PackageDirectoryLoader, registers a BinaryDataService in filesystem mode in n8n's
 * DI container, and runs workflows with WorkflowExecute.processRunExecutionData: n8n's execution engine,
 * its parameter and expression resolution, its binary data helpers and its error handling.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type {
  IBinaryData,
  ICredentialDataDecryptedObject,
  IConnections,
  ICredentialsDecrypted,
  ICredentialTestFunction,
  INode,
  INodeCredentialTestResult,
  INodeExecutionData,
  INodeType,
  INodeTypes,
  IRun,
  IVersionedNodeType,
  IWorkflowExecuteAdditionalData,
} from 'n8n-workflow';
import { installAdapter } from '../helpers/install.js';


/** A node that starts the workflow with the items it is given, as n8n's manual trigger does. */
const START: INodeType = {
  description: {
    displayName: 'Start',
    name: 'start',
    group: ['trigger'],
    version: 1,
    description: 'Starts the workflow with the given items',
    defaults: { name: 'Start' },
    inputs: [],
    outputs: ['main'],
    properties: [],
  },
  async execute() {
    return [this.getInputData()];
  },
};
export const START_TYPE = 'harness.start';

export interface RunOptions {
  /** The items the start node emits (binary data included). */
  items?: INodeExecutionData[];
  /** The credential's values, as the credential form saved them. */
  credentials: object;
}

export async function startN8n(options: { connectorDir?: string } = {}) {
  // Before n8n-core loads: its instance settings, config file and binary data live under this folder.
  const userFolder = mkdtempSync(path.join(tmpdir(), 'n8n-user-'));
  process.env.N8N_USER_FOLDER = userFolder;
  process.env.N8N_DEFAULT_BINARY_DATA_MODE = 'filesystem';
  // ~/.n8n/nodes, as `npm install @s3-connector/n8n-nodes-amazon-s3` there lays it out.
  const packageDir = installAdapter(path.join(userFolder, 'nodes'), 'n8n-nodes-amazon-s3', { ...options, hostPackages: ['n8n-workflow'] });

  const core = await import('n8n-core');
  const workflow = await import('n8n-workflow');
  const { Container } = await import('@n8n/di');

  const loader = new core.PackageDirectoryLoader(packageDir);
  await loader.loadAll();
  const packageName = loader.packageName;

  const nodeTypes: INodeTypes = {
    getByName(type: string): INodeType | IVersionedNodeType {
      if (type === START_TYPE) return START;
      return loader.getNode(type.slice(packageName.length + 1)).type;
    },
    getByNameAndVersion(type: string, version?: number): INodeType {
      return workflow.NodeHelpers.getVersionedNodeType(this.getByName(type), version);
    },
    getKnownTypes: () => loader.known.nodes,
  };

  const binary = Container.get(core.BinaryDataService);
  await binary.init();

  let credentials: ICredentialDataDecryptedObject = {};
  /** n8n's credentials helper, reduced to handing out the decrypted credentials of the run. */
  class CredentialsHelper extends workflow.ICredentialsHelper {
    getParentTypes = () => [];
    isCredentialUsableByNode = () => true;
    authenticate = async (_c: unknown, _t: string, request: never) => request;
    preAuthentication = async () => undefined;
    runPreAuthentication = async () => undefined;
    getCredentials = async () => new core.Credentials({ id: null, name: '' }, '', '');
    getDecrypted = async () => credentials;
    updateCredentials = async () => {};
    updateCredentialsOauthTokenData = async () => {};
    getCredentialsProperties = () => [];
  }
  const credentialsHelper = new CredentialsHelper();

  let executions = 0;
  const ourType = `${packageName}.${(loader.getNode('amazonS3Connector').type as INodeType).description.name}`;

  return {
    userFolder,
    packageName,
    /** The full node type of our node, as a workflow names it. */
    nodeType: ourType,
    loader,
    binary,
    /** What the node offers, as n8n's editor receives it. */
    description: () => (loader.getNode('amazonS3Connector').type as INodeType).description,
    credentialType: () => loader.getCredential('amazonS3ConnectorApi').type,

    /** Stores binary data as an earlier node in filesystem mode would, for the start node to emit. */
    async storeBinary(data: Readable | Buffer, fileName: string, mimeType: string): Promise<IBinaryData> {
      return binary.store({ type: 'execution', workflowId: 'wf', executionId: 'upstream' }, data, { data: '', mimeType, fileName });
    },

    /** Runs a workflow whose start node emits `items`, through n8n's execution engine. */
    async run(nodes: INode[], connections: IConnections, run: RunOptions): Promise<IRun> {
      credentials = run.credentials as ICredentialDataDecryptedObject;
      const executionId = String(++executions);
      const start = nodes.find((n) => n.type === START_TYPE)!;
      const workflowData = { id: 'wf', name: 'test', nodes, connections, active: false, settings: {}, createdAt: new Date(), updatedAt: new Date(), isArchived: false, activeVersionId: null };
      const instance = new workflow.Workflow({ id: 'wf', nodes, connections, nodeTypes, active: false, settings: {} });
      const hooks = new core.ExecutionLifecycleHooks('manual', executionId, workflowData);
      let finish: (result: IRun) => void = () => {};
      const finished = new Promise<IRun>((resolve) => (finish = resolve));
      hooks.addHandler('workflowExecuteAfter', (result) => finish(result));
      const additionalData = {
        hooks,
        credentialsHelper,
        executionId,
        currentNodeExecutionIndex: 0,
        variables: {},
        // n8n builds its $execution variables from these; nothing here is ever contacted.
        ...Object.fromEntries(
          ['restApi:rest', 'instanceBase:', 'formBase:form', 'formWaitingBase:form-waiting', 'formTestBase:form-test', 'webhookBase:webhook',
            'webhookWaitingBase:webhook-waiting', 'webhookTestBase:webhook-test', 'mcpBase:mcp', 'mcpTestBase:mcp-test'].map((entry) => {
            const [name, route] = entry.split(':');
            return [`${name}Url`, `http://127.0.0.1:5678/${route}`];
          }),
        ),
        executeWorkflow: async () => { throw new Error('Sub-workflows are not part of this harness.'); },
        getRunExecutionData: async () => undefined,
        getRuntimeCredential: async () => undefined,
        logAiEvent: () => {},
      } as unknown as IWorkflowExecuteAdditionalData;
      const runData = workflow.createRunExecutionData({
        executionData: { nodeExecutionStack: [{ node: start, data: { main: [run.items ?? [{ json: {} }]] }, source: null }] },
      });
      await new core.WorkflowExecute(additionalData, 'manual', runData).processRunExecutionData(instance);
      return finished;
    },

    /**
     * The credential modal's "Test", as n8n's CredentialsTester runs it: the node's `methods.credentialTest`
     * function that the node's credential description names in `testedBy`, called with n8n's own context.
     */
    async testCredential(data: object): Promise<INodeCredentialTestResult> {
      const node = loader.getNode('amazonS3Connector').type as INodeType;
      const credential = node.description.credentials![0]!;
      const test = node.methods!.credentialTest![credential.testedBy as string] as ICredentialTestFunction;
      const decrypted: ICredentialsDecrypted = { id: '1', name: 'S3', type: credential.name, data: data as ICredentialDataDecryptedObject };
      return test.call(new core.CredentialTestContext({} as IWorkflowExecuteAdditionalData), decrypted);
    },

    close() {
      rmSync(userFolder, { recursive: true, force: true });
    },
  };
}

export type N8n = Awaited<ReturnType<typeof startN8n>>;

/** A node of a workflow, with n8n's required fields filled in. */
export function node(name: string, type: string, parameters: INode['parameters'], position: [number, number] = [0, 0]): INode {
  return { id: name, name, type, typeVersion: 1, position, parameters, credentials: { amazonS3ConnectorApi: { id: '1', name: 'S3' } } };
}

/** Connects nodes in a line, main output to main input. */
export function chain(...names: string[]): IConnections {
  const connections: IConnections = {};
  for (let i = 0; i < names.length - 1; i++) connections[names[i]!] = { main: [[{ node: names[i + 1]!, type: 'main', index: 0 }]] };
  return connections;
}
