/**
 * A small n8n, in-process: our own version of n8n's packages/core/nodes-testing/node-test-harness.ts,
 * which n8n does not publish. It installs the adapter package the way `npm install` in ~/.n8n/nodes does,
 * loads it with n8n's own PackageDirectoryLoader, registers a BinaryDataService in filesystem mode in n8n's
 * DI container, and runs workflows with WorkflowExecute.processRunExecutionData: n8n's execution engine,
 * its parameter and expression resolution, its binary data helpers and its error handling.
 *
 * Polling triggers run through n8n-core's own ActiveWorkflowTriggers, as n8n's ActiveWorkflowManager
 * (packages/cli, not published) drives it: activation polls once at once, then each Poll Times cron tick
 * runs PollTriggerExecutor, whose PollContext emits items or commits the static data. Where the CLI saves
 * a workflow's static data to its database (after activation, on emit, on a cursor commit), this harness
 * keeps a JSON copy, and a workflow activated again starts from that copy, as after a restart.
 *
 * A list search ("From list") is called as the CLI's DynamicNodeParametersService calls it: the method
 * from the loaded node type, with a LoadOptionsContext over a temporary node holding the current parameters.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type {
  IBinaryData,
  ICredentialDataDecryptedObject,
  IConnections,
  IDataObject,
  ILoadOptionsFunctions,
  INodeListSearchResult,
  INodeParameters,
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
  const typeOf = (name: string) => loader.getNode(name).type as INodeType;
  const ourType = `${packageName}.${typeOf('amazonS3Connector').description.name}`;
  const triggerType = `${packageName}.${typeOf('amazonS3ConnectorTrigger').description.name}`;

  /** What every context receives; `hooks` only for an execution. */
  function additionalData(executionId: string, extra: object = {}): IWorkflowExecuteAdditionalData {
    return {
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
      ...extra,
    } as unknown as IWorkflowExecuteAdditionalData;
  }

  // A single main instance leads: only a leader registers pollers' crons (as n8n's `start` command marks it).
  Container.get(core.InstanceSettings).markAsLeader();
  const activeTriggers = Container.get(core.ActiveWorkflowTriggers);
  const scheduler = Container.get(core.ScheduledTaskManager);
  /** The CLI's database, for static data: a workflow's JSON, as WorkflowStaticDataService saves it. */
  const savedStaticData = new Map<string, IDataObject>();
  const saveStaticData = (instance: InstanceType<typeof workflow.Workflow>) => {
    if (instance.staticData.__dataChanged !== true) return;
    savedStaticData.set(instance.id, JSON.parse(JSON.stringify(instance.staticData)) as IDataObject);
    instance.staticData.__dataChanged = false;
  };

  return {
    userFolder,
    packageName,
    /** The full node type of our node, as a workflow names it. */
    nodeType: ourType,
    loader,
    binary,
    /** The full node type of our trigger node. */
    triggerType,
    /** What the node offers, as n8n's editor receives it. */
    description: () => typeOf('amazonS3Connector').description,
    triggerDescription: () => typeOf('amazonS3ConnectorTrigger').description,
    credentialType: () => loader.getCredential('amazonS3ConnectorApi').type,

    /** Stores binary data as an earlier node in filesystem mode would, for the start node to emit. */
    async storeBinary(data: Readable | Buffer, fileName: string, mimeType: string): Promise<IBinaryData> {
      return binary.store({ type: 'execution', workflowId: 'wf', executionId: 'upstream' }, data, { data: '', mimeType, fileName });
    },

    /**
     * Runs a workflow in manual mode through n8n's execution engine, from the start node (which emits
     * `items`) or else the first node: a trigger node run this way is the editor's "Fetch Test Event".
     */
    async run(nodes: INode[], connections: IConnections, run: RunOptions): Promise<IRun> {
      return (await this.runWorkflow(nodes, connections, run)).result;
    },

    /** As run(), with the workflow's static data (`workflowId`'s, as last saved) and whether the run changed it. */
    async runWorkflow(nodes: INode[], connections: IConnections, run: RunOptions & { workflowId?: string }) {
      credentials = run.credentials as ICredentialDataDecryptedObject;
      const executionId = String(++executions);
      const start = nodes.find((n) => n.type === START_TYPE) ?? nodes[0]!;
      const id = run.workflowId ?? 'wf';
      const workflowData = { id, name: 'test', nodes, connections, active: false, settings: {}, createdAt: new Date(), updatedAt: new Date(), isArchived: false, activeVersionId: null };
      const staticData = structuredClone(savedStaticData.get(id) ?? {});
      const instance = new workflow.Workflow({ id, nodes, connections, nodeTypes, active: false, settings: {}, staticData });
      const hooks = new core.ExecutionLifecycleHooks('manual', executionId, workflowData);
      let finish: (result: IRun) => void = () => {};
      const finished = new Promise<IRun>((resolve) => (finish = resolve));
      hooks.addHandler('workflowExecuteAfter', (result) => finish(result));
      const data = additionalData(executionId, { hooks });
      const runData = workflow.createRunExecutionData({
        executionData: { nodeExecutionStack: [{ node: start, data: { main: [run.items ?? [{ json: {} }]] }, source: null }] },
      });
      await new core.WorkflowExecute(data, 'manual', runData).processRunExecutionData(instance);
      return { result: await finished, staticDataChanged: instance.staticData.__dataChanged === true };
    },

    /** A workflow's static data as last saved to the harness's database. */
    savedStaticData: (workflowId: string) => savedStaticData.get(workflowId),

    /** The credentials the next polls and runs decrypt, as if the user edited the saved credential. */
    useCredentials(data: object) {
      credentials = data as ICredentialDataDecryptedObject;
    },

    /**
     * The credential modal's "Test", as n8n's CredentialsTester runs it: the node's `methods.credentialTest`
     * function that the node's credential description names in `testedBy`, called with n8n's own context.
     */
    async testCredential(data: object): Promise<INodeCredentialTestResult> {
      const node = typeOf('amazonS3Connector');
      const credential = node.description.credentials![0]!;
      const test = node.methods!.credentialTest![credential.testedBy as string] as ICredentialTestFunction;
      const decrypted: ICredentialsDecrypted = { id: '1', name: 'S3', type: credential.name, data: data as ICredentialDataDecryptedObject };
      return test.call(new core.CredentialTestContext({} as IWorkflowExecuteAdditionalData), decrypted);
    },

    /**
     * The editor's "From list" for one resource locator: `method` of the node type's `methods.listSearch`,
     * with the parameters the user has set so far, the typed filter and the page token.
     */
    async listSearch(options: { nodeType?: string; method: string; parameters: INodeParameters; credentials: object; filter?: string; paginationToken?: string }): Promise<INodeListSearchResult> {
      credentials = options.credentials as ICredentialDataDecryptedObject;
      const type = nodeTypes.getByNameAndVersion(options.nodeType ?? ourType, 1);
      const search = type.methods?.listSearch?.[options.method] as
        | ((this: ILoadOptionsFunctions, filter?: string, paginationToken?: string) => Promise<INodeListSearchResult>)
        | undefined;
      if (!search) throw new Error(`The node has no list search "${options.method}".`);
      const temp: INode = { ...node('Temp-Node', options.nodeType ?? ourType, options.parameters), id: 'uuid-1234' };
      const instance = new workflow.Workflow({ nodes: [temp], connections: {}, active: false, nodeTypes });
      const context = new core.LoadOptionsContext(instance, instance.nodes['Temp-Node']!, additionalData('', { currentNodeParameters: options.parameters }), 'parameters');
      return search.call(context, options.filter, options.paginationToken);
    },

    /**
     * Activates a workflow whose only node is `trigger`, through ActiveWorkflowTriggers as n8n does when the
     * user turns it on (or n8n restarts): the first poll runs at once, then on each tick(). Emitted items are
     * what would start executions. Static data comes from the harness's database, and goes back there.
     */
    async activate(trigger: INode, run: { credentials: object }) {
      credentials = run.credentials as ICredentialDataDecryptedObject;
      const workflowId = 'wf-trigger';
      const instance = new workflow.Workflow({
        id: workflowId,
        name: 'trigger',
        nodes: [trigger],
        connections: {},
        nodeTypes,
        active: true,
        settings: {},
        staticData: structuredClone(savedStaticData.get(workflowId) ?? {}),
      });
      const emitted: INodeExecutionData[][] = [];
      const errors: Error[] = [];
      let settled: () => void = () => {};
      const getPollFunctions = (wf: typeof instance, pollNode: INode, data: IWorkflowExecuteAdditionalData, mode: 'trigger', activation: 'activate') =>
        new core.PollContext(
          wf,
          pollNode,
          data,
          mode,
          activation,
          (items: INodeExecutionData[][]) => {
            // The CLI's __emit: the static data is saved, then an execution starts with the items.
            saveStaticData(wf);
            emitted.push(items[0] ?? []);
            settled();
          },
          (error: Error) => {
            errors.push(error);
            settled();
          },
          async () => {
            // A poll that returned nothing commits its cursor: the static data the node changed.
            saveStaticData(wf);
            settled();
          },
        );
      const getTriggerFunctions = () => {
        throw new Error('Only polling nodes here.');
      };
      await activeTriggers.addAllTriggers(workflowId, instance, additionalData('activation'), 'trigger', 'activate', getTriggerFunctions as never, getPollFunctions as never);
      // As ActiveWorkflowManager.add does once activation succeeded.
      saveStaticData(instance);
      const cronJob = () => {
        const crons = (scheduler as unknown as { cronsByGroupType: Map<string, Map<string, Map<string, { job: { fireOnTick(): void } }>>> }).cronsByGroupType;
        const [cron] = crons.get('workflow')?.get(workflowId)?.values() ?? [];
        if (!cron) throw new Error('No Poll Times cron is registered for the workflow.');
        return cron.job;
      };
      cronJob();
      return {
        /** The items each poll emitted, in order (one entry per execution n8n would start). */
        emitted,
        errors,
        /** The workflow's static data as last saved. */
        staticData: () => savedStaticData.get(workflowId),
        /** One Poll Times tick, fired on the cron job n8n registered; resolves when the poll settled. */
        async tick() {
          const done = new Promise<void>((resolve) => (settled = resolve));
          cronJob().fireOnTick();
          await done;
        },
        async deactivate() {
          await activeTriggers.remove(workflowId);
        },
      };
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
