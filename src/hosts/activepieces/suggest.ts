/**
 * A field the manifest suggests for (contract 1.2, section 6), as an Activepieces dropdown: its options
 * come from the connector's `suggest` hook, asked again with the text typed in the dropdown's search box
 * (`refreshOnSearch`, the engine passing it as `searchValue`). Activepieces asks for one list per search,
 * with no way to ask for the next page: the first 100 choices show, and typing narrows them.
 */
import type { DropdownState, PropertyContext } from '@activepieces/pieces-framework';
import { errorFacts, runSuggest, type Contract, type Operation } from '../shared/contract.js';
import { inputFields, toInput, type Field } from '../shared/fields.js';
import { toConnection } from './connection.js';

/** The options function of one suggested field: `values` are the step's props so far and its `auth`. */
export type SuggestOptions = (values: Record<string, unknown> & { auth?: unknown }, ctx: PropertyContext) => Promise<DropdownState<string>>;

export function suggestOptions(contract: Contract, operation: Operation, field: Field): SuggestOptions {
  return async ({ auth, ...values }, ctx) => {
    if (!auth) return { disabled: true, placeholder: 'Choose a connection first', options: [] };
    try {
      const input = toInput(inputFields(operation), (f) => values[f.name]);
      const query = ctx?.searchValue ? { query: ctx.searchValue } : {};
      const result = await runSuggest(contract, { action: operation.id, field: `/${field.name}`, input, ...query }, { connection: toConnection(contract, auth) });
      return {
        disabled: false,
        options: result.options.map((option) => ({ label: option.description ? `${option.label} (${option.description})` : option.label, value: option.value })),
        ...(result.options.length === 0 ? { placeholder: 'Nothing here: type a key or another folder' } : {}),
      };
    } catch (error) {
      // Activepieces shows a dropdown's placeholder where its options would be: there, our message.
      return { disabled: false, placeholder: errorFacts(error).message, options: [] };
    }
  };
}
