/**
 * What the Node-RED nodes share at run time: the saved connection a config node holds, field values read
 * from the editor's TypedInputs, errors reported the way catch nodes read them, and the node's log.
 */
import type { Node, NodeAPI, NodeMessage } from 'node-red';
import type { FileRef } from '../../contract.js';
import { errorFacts } from '../shared/contract.js';
import { inputValue, isUnset, toInput } from '../shared/fields.js';
import type { FieldDefinition } from './definitions.js';

/** One field as the editor saved it: a TypedInput's value and type. */
export interface TypedValue {
  value: string;
  type: string;
}

/** The config node: a saved connection, its secrets from Node-RED's encrypted credentials. */
export interface ConnectionNode extends Node<Record<string, string>> {
  connection: Record<string, unknown>;
}

/** The deployed config node with this id, if it is a connection of ours. */
export function connectionNode(RED: NodeAPI, id: unknown, type: string): ConnectionNode | undefined {
  const node = typeof id === 'string' && id !== '' ? (RED.nodes.getNode(id) as ConnectionNode | null) : null;
  return node?.type === type ? node : undefined;
}

/**
 * The input from the fields' saved TypedInputs, evaluated against `msg` (a value, or a msg, flow, global
 * or env property); `file` turns a file field's value into a FileRef.
 */
export function typedInput(
  RED: NodeAPI,
  node: Node,
  fields: FieldDefinition[],
  saved: Record<string, TypedValue>,
  msg: NodeMessage,
  file?: (value: unknown, field: FieldDefinition) => FileRef,
): Record<string, unknown> {
  return toInput(fields, (field) => {
    const typed = saved[field.name];
    if (!typed || ((typed.type === 'str' || typed.type === 'choice') && typed.value === '')) return undefined;
    const value: unknown = typed.type === 'choice' ? typed.value : RED.util.evaluateNodeProperty(typed.value, typed.type, node, msg);
    return field.kind === 'file' && file && !isUnset(value) ? file(value, field as FieldDefinition) : inputValue(field, value);
  });
}

/**
 * A failure as catch nodes see it: the node's status shows the code, and `msg.error` holds our facts.
 * Node-RED copies the error's own `code` onto the catch node's msg.error, and keeps a message's earlier
 * `error` as `_error`: there, the connector's code, message, retryable and field. Returns the Error to
 * hand to `done` or `node.error`.
 */
export function report(node: Node, error: unknown, msg: NodeMessage & { error?: unknown }): Error {
  const facts = errorFacts(error);
  node.status({ fill: 'red', shape: 'ring', text: facts.code });
  msg.error = facts;
  return error instanceof Error ? error : new Error(facts.message);
}

/** The contract's logger onto the node's log (debug lines go to Node-RED's trace level). */
export function logger(node: Node) {
  return {
    debug: (message: string) => node.trace(message),
    info: (message: string) => node.log(message),
    warn: (message: string) => node.warn(message),
    error: (message: string) => node.warn(message),
  };
}
