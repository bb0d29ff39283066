/** The connection's values from Activepieces' `auth`, as every hook of the piece receives it. */
import type { Contract } from '../shared/contract.js';
import { fieldsOf, toInput } from '../shared/fields.js';

/**
 * The connection's values from `ctx.auth`: `{ type: 'CUSTOM_AUTH', props }` since 0.32, the props
 * themselves in older engines.
 */
export function authValues(auth: unknown): Record<string, unknown> {
  const value = (typeof auth === 'object' && auth !== null ? auth : {}) as Record<string, unknown>;
  return value.type === 'CUSTOM_AUTH' && typeof value.props === 'object' && value.props !== null ? (value.props as Record<string, unknown>) : value;
}

/** Our connection from the auth: unset fields left out, so the schema's defaults apply. */
export function toConnection(contract: Contract, auth: unknown): Record<string, unknown> {
  const values = authValues(auth);
  return toInput(fieldsOf(contract.connection), (field) => values[field.name]);
}
