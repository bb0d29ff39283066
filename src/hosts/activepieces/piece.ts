/**
 * The Activepieces piece, derived when the module loads from connector.json and the schemas: custom auth
 * from the connection schema (validated by testConnection), one action per manifest action.
 */
import { createAction, createPiece, PieceAuth, type ApFile } from '@activepieces/pieces-framework';
import type { FileRef } from '../../contract.js';
import { runAction, type Contract, type Operation } from '../shared/contract.js';
import { fieldsOf, toInput } from '../shared/fields.js';
import { ActivepiecesFiles } from './files.js';
import { actionProps, authProps } from './props.js';

/**
 * The connection's values from `ctx.auth`: `{ type: 'CUSTOM_AUTH', props }` since 0.32, the props
 * themselves in older engines.
 */
export function authValues(auth: unknown): Record<string, unknown> {
  const value = (typeof auth === 'object' && auth !== null ? auth : {}) as Record<string, unknown>;
  return value.type === 'CUSTOM_AUTH' && typeof value.props === 'object' && value.props !== null ? (value.props as Record<string, unknown>) : value;
}

function toConnection(contract: Contract, auth: unknown): Record<string, unknown> {
  const values = authValues(auth);
  return toInput(fieldsOf(contract.connection), (field) => values[field.name]);
}

/** The icon as a data URL: the manifest's own SVG, with no CDN to host it. */
function logoUrl(svg: string): string {
  return `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`;
}

function toAction(contract: Contract, operation: Operation) {
  const fields = fieldsOf(operation.input);
  return createAction({
    name: operation.id,
    displayName: operation.name,
    description: operation.description,
    props: actionProps(operation.input),
    async run(ctx) {
      const hooks = await contract.hooks();
      const files = new ActivepiecesFiles(ctx.files, hooks.ConnectorError);
      const values = ctx.propsValue as Record<string, unknown>;
      const input = toInput(fields, (field) => (field.kind === 'file' && values[field.name] ? files.input(values[field.name] as ApFile) : values[field.name]));
      try {
        return (await runAction(contract, operation.id, input, { connection: toConnection(contract, ctx.auth), files })) as Record<string, unknown> | FileRef;
      } catch (error) {
        // A ConnectorError is thrown as it is: an Error whose message the run shows, with code and retryable.
        throw files.refused ?? error;
      }
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
    triggers: [],
  });
}
