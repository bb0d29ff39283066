/**
 * The Node-RED runtime side, derived when Node-RED loads the module from connector.json and the schemas:
 * a config node that holds a saved connection (its secret fields as Node-RED credentials, stored encrypted),
 * an action node fed by messages, a trigger node that polls on its own interval (trigger.ts), and the
 * admin endpoint behind the editor's key picker (suggest.ts). Inputs come from the editor's TypedInputs;
 * the output goes to msg.payload; files travel as Buffers inside the message, bounded, since a message is
 * held in memory.
 */
import type { Node, NodeAPI, NodeDef, NodeMessageInFlow } from 'node-red';
import type { FileRef } from '../../contract.js';
import { BufferFiles } from '../shared/buffer-files.js';
import { runAction, type Contract } from '../shared/contract.js';
import { fileOutputs, toInput, type Field } from '../shared/fields.js';
import { fieldDefinitions, operationFields, typeNames } from './definitions.js';
import { connectionNode, logger, report, typedInput, type ConnectionNode, type TypedValue } from './runtime.js';
import { registerSuggest } from './suggest.js';
import { registerTrigger } from './trigger.js';

const MiB = 1024 * 1024;
/** The largest file one message carries: it is held whole in memory, and cloned when a wire fans out. */
export const MAX_MESSAGE_FILE_BYTES = 64 * MiB;

interface ConnectionDef extends NodeDef {
  [field: string]: unknown;
}

interface ActionDef extends NodeDef {
  connection: string;
  action: string;
  fields?: Record<string, TypedValue>;
}

/** A file field's value from the message: a Buffer, text (as UTF-8), or `{ data, name, contentType }`. */
function fileFrom(files: BufferFiles, value: unknown, msg: NodeMessageInFlow, field: Field): FileRef {
  const named = typeof msg.filename === 'string' ? msg.filename.split(/[\\/]/).pop()! : field.name;
  if (Buffer.isBuffer(value)) return files.add(named, value);
  if (typeof value === 'string') return files.add(named, Buffer.from(value));
  const file = value as { data?: unknown; name?: string; contentType?: string };
  if (Buffer.isBuffer(file?.data)) return files.add(file.name ?? named, file.data, file.contentType);
  throw new files.ConnectorError('InvalidInput', `Expected a Buffer for \`${field.name}\` (e.g. msg.payload from a file-in or http request node) but received ${typeof value}.`, { field: `/${field.name}` });
}

/** msg.payload: the output as the output schema says, each returned file with its bytes as `data`. */
function toPayload(output: Record<string, unknown>, fileFields: string[], files: BufferFiles): Record<string, unknown> {
  const payload = { ...output };
  for (const name of fileFields) {
    const ref = output[name] as FileRef | undefined;
    const file = ref && files.files.get(ref.id);
    if (file) payload[name] = { ...ref, data: file.data };
  }
  return payload;
}

export function registerNodes(RED: NodeAPI, contract: Contract): void {
  const types = typeNames(contract);
  const connectionFields = fieldDefinitions(contract.connection);
  const secrets = connectionFields.filter((f) => f.kind === 'secret');

  function ConnectionConfig(this: ConnectionNode, config: ConnectionDef) {
    RED.nodes.createNode(this, config);
    const credentials = this.credentials ?? {};
    this.connection = toInput(connectionFields, (field) => (field.kind === 'secret' ? credentials[field.name] : config[field.name]));
  }
  RED.nodes.registerType(types.connection, ConnectionConfig, {
    credentials: Object.fromEntries(secrets.map((f) => [f.name, { type: 'password' as const }])),
  });

  function ActionNode(this: Node, config: ActionDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    const connection = connectionNode(RED, config.connection, types.connection);
    node.on('input', (msg: NodeMessageInFlow, send: (msg: NodeMessageInFlow) => void, done: (error?: Error) => void) => {
      void (async () => {
        const hooks = await contract.hooks();
        const files = new BufferFiles(MAX_MESSAGE_FILE_BYTES, hooks.ConnectorError, 'a Node-RED message holds files in memory');
        try {
          const id = typeof msg.action === 'string' ? msg.action : config.action;
          const operation = contract.actions.find((a) => a.id === id);
          if (!operation) throw new hooks.ConnectorError('InvalidInput', `Unknown action "${id}": choose one of ${contract.actions.map((a) => a.id).join(', ')}.`);
          if (!connection) throw new hooks.ConnectorError('InvalidInput', 'The node has no connection: open it and choose or add one.');
          const input = typedInput(RED, node, operationFields(operation), config.fields ?? {}, msg, (value, field) => fileFrom(files, value, msg, field));
          node.status({ fill: 'blue', shape: 'dot', text: operation.id });
          const output = (await runAction(contract, operation.id, input, { connection: connection.connection, files, logger: logger(node) })) as Record<string, unknown>;
          msg.payload = toPayload(output, fileOutputs(operation.output), files);
          node.status({});
          send(msg);
          done();
        } catch (caught) {
          done(report(node, files.refused ?? caught, msg));
        }
      })();
    });
  }
  RED.nodes.registerType(types.action, ActionNode);

  registerTrigger(RED, contract);
  registerSuggest(RED, contract);
}
