/**
 * The trigger node: polls one of the manifest's triggers on its own interval (never below the trigger's
 * `minIntervalSeconds`), at once when deployed (the first poll baselines) and again at once while the
 * connector answers `more: true`. Its record (the connector's state and the ids it delivered) lives in the
 * node's context, in the context store the node names: Node-RED's default memory store forgets it on a
 * restart, so the trigger baselines again; a persistent store (localfilesystem) lets it go on from there.
 * Each event leaves as one message, `msg.payload` the event itself; polling stops when the node closes.
 */
import type { Node, NodeAPI, NodeDef, NodeMessage } from 'node-red';
import type { Contract } from '../shared/contract.js';
import { pollTrigger, type SavedTrigger } from '../shared/triggers.js';
import { DEFAULT_INTERVAL_SECONDS, triggerFields, typeNames } from './definitions.js';
import { connectionNode, logger, report, typedInput, type TypedValue } from './runtime.js';

interface TriggerDef extends NodeDef {
  connection: string;
  trigger: string;
  /** Seconds between polls. */
  interval?: number | string;
  /** The context store that keeps the record; empty for Node-RED's default. */
  store?: string;
  fields?: Record<string, TypedValue>;
}

/** The key of the trigger's record in the node's context. */
export const CONTEXT_KEY = 'trigger';

export function registerTrigger(RED: NodeAPI, contract: Contract): void {
  const types = typeNames(contract);

  function TriggerNode(this: Node, config: TriggerDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    const trigger = contract.triggers.find((t) => t.id === config.trigger);
    const connection = connectionNode(RED, config.connection, types.connection);
    if (!trigger || !connection) {
      node.status({ fill: 'red', shape: 'ring', text: 'not set up' });
      node.error(!trigger ? `Unknown trigger "${config.trigger}": choose one of ${contract.triggers.map((t) => t.id).join(', ')}.` : 'The node has no connection: open it and choose or add one.');
      return;
    }
    const asked = Number(config.interval);
    const seconds = Math.max(Number.isFinite(asked) && asked > 0 ? asked : DEFAULT_INTERVAL_SECONDS, trigger.minIntervalSeconds);
    if (asked > 0 && seconds > asked) node.warn(`Polling every ${seconds} seconds, the least "${trigger.name}" allows, not every ${asked}.`);

    const context = node.context();
    const store = config.store || undefined;
    const load = () => new Promise<SavedTrigger | undefined>((resolve, reject) => context.get(CONTEXT_KEY, store, (error, value) => (error ? reject(error) : resolve(value as SavedTrigger | undefined))));
    const keep = (saved: SavedTrigger | undefined) => new Promise<void>((resolve, reject) => context.set(CONTEXT_KEY, saved, store, (error) => (error ? reject(error) : resolve())));

    /** One poll; true when the connector has more to read at once. */
    async function poll(): Promise<boolean> {
      const msg: NodeMessage = { _msgid: RED.util.generateId() };
      try {
        const input = typedInput(RED, node, triggerFields(trigger!), config.fields ?? {}, msg);
        node.status({ fill: 'blue', shape: 'dot', text: 'polling' });
        const outcome = await pollTrigger(contract, trigger!.id, input, { connection: connection!.connection, logger: logger(node) }, await load());
        // Sent before the record is kept: a crash in between repeats these events (with the same ids), never loses one.
        for (const event of outcome.events) node.send({ payload: event, topic: event.type });
        await keep(outcome.saved);
        node.status(outcome.events.length > 0 ? { fill: 'green', shape: 'dot', text: `${outcome.events.length} new` } : {});
        return outcome.more;
      } catch (caught) {
        node.error(report(node, caught, msg), msg);
        return false;
      }
    }

    let timer: NodeJS.Timeout | undefined;
    let closed = false;
    let polling: Promise<unknown> = Promise.resolve();
    const schedule = (ms: number) => {
      if (closed) return;
      timer = setTimeout(() => {
        polling = poll().then((more) => schedule(more ? 0 : seconds * 1000));
      }, ms);
    };
    schedule(0);

    node.on('close', (removed: boolean, done: () => void) => {
      closed = true;
      clearTimeout(timer);
      // A poll under way finishes (its events sent, its record kept); a removed node forgets its record.
      void polling.then(async () => {
        if (removed) await keep(undefined).catch(() => undefined);
        done();
      });
    });
  }
  RED.nodes.registerType(types.trigger, TriggerNode);
}
