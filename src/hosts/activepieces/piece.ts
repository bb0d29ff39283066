/**
 * The Activepieces piece, derived when the module loads from connector.json and the schemas: custom auth
 * from the connection schema (validated by testConnection), one action per manifest action, and one
 * polling trigger per manifest trigger (its state in the piece's store).
 */
import { createAction, createPiece, createTrigger, PieceAuth, TriggerStrategy, type ApFile } from '@activepieces/pieces-framework';
import type { FileRef } from '../../contract.js';
import { runAction, type Contract, type Operation, type TriggerOperation } from '../shared/contract.js';
import { inputFields, toInput } from '../shared/fields.js';
import { enableTrigger, pollTrigger, sampleTrigger, type SavedTrigger } from '../shared/triggers.js';
import { toConnection } from './connection.js';
import { ActivepiecesFiles } from './files.js';
import { authProps, operationProps } from './props.js';

/** Where a trigger keeps its record (the connector's state and the ids it delivered) in the piece's store. */
export const STORE_KEY = 'trigger';

/** The icon as a data URL: the manifest's own SVG, with no CDN to host it. */
function logoUrl(svg: string): string {
  return `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`;
}

/** The props' values as the operation's input; `file` turns a File prop's ApFile into a FileRef. */
function inputOf(operation: Operation, values: Record<string, unknown>, file?: (value: ApFile) => FileRef): Record<string, unknown> {
  return toInput(inputFields(operation), (field) => (field.kind === 'file' && file && values[field.name] ? file(values[field.name] as ApFile) : values[field.name]));
}

function toAction(contract: Contract, operation: Operation) {
  return createAction({
    name: operation.id,
    displayName: operation.name,
    description: operation.description,
    props: operationProps(contract, operation),
    async run(ctx) {
      const hooks = await contract.hooks();
      const files = new ActivepiecesFiles(ctx.files, hooks.ConnectorError);
      const input = inputOf(operation, ctx.propsValue as Record<string, unknown>, (file) => files.input(file));
      try {
        return (await runAction(contract, operation.id, input, { connection: toConnection(contract, ctx.auth), files })) as Record<string, unknown> | FileRef;
      } catch (error) {
        // A ConnectorError is thrown as it is: an Error whose message the run shows, with code and retryable.
        throw files.refused ?? error;
      }
    },
  });
}

/**
 * A polling trigger: `onEnable` baselines and stores the record, each `run` polls from it (following
 * `more: true` within the run) and stores the next one before it returns the events, each whole (`id`,
 * `occurredAt`, `type`, `data`); `test` shows `sample`'s events. Errors are our ConnectorError, as thrown.
 */
function toTrigger(contract: Contract, trigger: TriggerOperation) {
  const context = (ctx: { auth: unknown; propsValue: unknown }) => ({
    input: inputOf(trigger, ctx.propsValue as Record<string, unknown>),
    hook: { connection: toConnection(contract, ctx.auth) },
  });
  return createTrigger({
    name: trigger.id,
    displayName: trigger.name,
    description: trigger.description,
    type: TriggerStrategy.POLLING,
    props: operationProps(contract, trigger),
    sampleData: {},
    async onEnable(ctx) {
      const { input, hook } = context(ctx);
      await ctx.store.put<SavedTrigger>(STORE_KEY, await enableTrigger(contract, trigger.id, input, hook));
    },
    async onDisable(ctx) {
      await ctx.store.delete(STORE_KEY);
    },
    async run(ctx) {
      const { input, hook } = context(ctx);
      const outcome = await pollTrigger(contract, trigger.id, input, hook, (await ctx.store.get<SavedTrigger>(STORE_KEY)) ?? undefined);
      await ctx.store.put<SavedTrigger>(STORE_KEY, outcome.saved);
      return outcome.events;
    },
    async test(ctx) {
      const { input, hook } = context(ctx);
      return sampleTrigger(contract, trigger.id, input, hook);
    },
  });
}

export function buildPiece(contract: Contract, svg: string) {
  const { manifest } = contract;
  return createPiece({
    displayName: manifest.name,
    description: manifest.description,
    logoUrl: logoUrl(svg),
    authors: ['s3-connector'],
    auth: PieceAuth.CustomAuth({
      displayName: 'Connection',
      description: typeof contract.connection.description === 'string' ? contract.connection.description : undefined,
      required: true,
      props: authProps(contract.connection),
      async validate({ auth }) {
        const result = await (await contract.hooks()).testConnection(toConnection(contract, auth));
        return result.ok ? { valid: true } : { valid: false, error: result.message };
      },
    }),
    actions: contract.actions.map((operation) => toAction(contract, operation)),
    triggers: contract.triggers.map((trigger) => toTrigger(contract, trigger)),
  });
}
