/**
 * The n8n trigger node, derived from connector.json's `triggers[]`: one polling node (`polling: true`, so
 * n8n adds its Poll Times and calls `poll()` on them) with a "Trigger On" selector, since n8n loads node
 * classes from the files package.json lists, fixed at build time, while the manifest's triggers are read
 * when n8n loads the node. State lives in the node's static data, which n8n saves with the items a poll
 * returns (or, for a poll that returns none, as its cursor).
 */
import type { IDataObject, INodeExecutionData, INodeTypeDescription, IPollFunctions } from 'n8n-workflow';
import type { TriggerEvent } from '../../contract.js';
import type { Contract } from '../shared/contract.js';
import { pollTrigger, sampleTrigger, type SavedTrigger } from '../shared/triggers.js';
import { toNodeError } from './errors.js';
import { CREDENTIAL_NAME, iconFile, operationInput, toConnection } from './node.js';
import { EVENT, nodeProperties } from './properties.js';

export const TRIGGER_NODE_NAME = 'amazonS3ConnectorTrigger';
/** Where the trigger's record (state and delivered ids) lives in the node's static data. */
export const STATIC_KEY = 'trigger';

/**
 * n8n gives a poll five minutes before it abandons the tick (IPollFunctions.getPollBudgetMs, 2.x); polls
 * back to back for `more: true` stop starting at half of it, so the last one ends well within.
 */
const DEFAULT_POLL_BUDGET_MS = 5 * 60_000;

/** Polls in flight, by workflow and node: n8n starts a tick even while the last one runs, and the contract asks for one at a time. */
const inFlight = new Set<string>();

export function describeTriggerNode(contract: Contract): INodeTypeDescription {
  const { manifest, triggers } = contract;
  return {
    displayName: `${manifest.name} Trigger`,
    name: TRIGGER_NODE_NAME,
    icon: iconFile(contract),
    group: ['trigger'],
    version: 1,
    subtitle: `={{$parameter["${EVENT}"]}}`,
    description: `Starts a workflow when something changes in ${manifest.name}: ${triggers.map((t) => t.name).join(', ') || 'this connector has no triggers'}.`,
    defaults: { name: `${manifest.name} Trigger` },
    polling: true,
    inputs: [],
    outputs: ['main'],
    credentials: [{ name: CREDENTIAL_NAME, required: true }],
    properties: nodeProperties(contract.triggers, EVENT),
  };
}

/**
 * The saved record as plain JSON: n8n wraps static data it loads in observing proxies (to notice changes),
 * and the contract hands the connector its state as JSON.
 */
function plain(value: unknown): unknown {
  return value === undefined ? undefined : JSON.parse(JSON.stringify(value));
}

/** Each event as an item, whole: `id` (what a repeat would share), `occurredAt`, `type` and `data`. */
function toItems(events: TriggerEvent[]): INodeExecutionData[][] | null {
  return events.length > 0 ? [events.map((event) => ({ json: event as unknown as IDataObject }))] : null;
}

/**
 * `poll()`: in the editor's "Fetch Test Event" (manual mode) the trigger's `sample`, state untouched;
 * otherwise a poll from the state in static data (none yet: the baseline), `more: true` followed within
 * the poll's budget, and the new state written back for n8n to save with the items.
 */
export async function pollNode(this: IPollFunctions, contract: Contract): Promise<INodeExecutionData[][] | null> {
  const node = this.getNode();
  try {
    const id = this.getNodeParameter(EVENT) as string;
    const trigger = contract.triggers.find((t) => t.id === id);
    if (!trigger) throw new Error(`Unknown trigger "${id}": this node offers ${contract.triggers.map((t) => t.id).join(', ') || 'none'}.`);
    const input = operationInput(trigger, (name, fallback) => this.getNodeParameter(name, fallback));
    const ctx = { connection: toConnection(contract, await this.getCredentials(CREDENTIAL_NAME)), logger: this.logger };
    if (this.getMode() === 'manual') return toItems(await sampleTrigger(contract, id, input, ctx));

    const key = `${this.getWorkflow().id}:${node.id}`;
    if (inFlight.has(key)) {
      this.logger.warn(`The previous poll of "${node.name}" is still running: this tick is skipped.`);
      return null;
    }
    inFlight.add(key);
    try {
      const data = this.getWorkflowStaticData('node');
      const budget = typeof this.getPollBudgetMs === 'function' ? this.getPollBudgetMs() : DEFAULT_POLL_BUDGET_MS;
      const outcome = await pollTrigger(contract, id, input, ctx, plain(data[STATIC_KEY]) as SavedTrigger | undefined, { deadline: Date.now() + budget / 2 });
      data[STATIC_KEY] = outcome.saved as unknown as IDataObject;
      return toItems(outcome.events);
    } finally {
      inFlight.delete(key);
    }
  } catch (error) {
    throw toNodeError(node, error);
  }
}
