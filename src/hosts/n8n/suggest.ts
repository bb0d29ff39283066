/**
 * The "From list" mode of every field the manifest suggests for (contract 1.2, section 6), as n8n's
 * `methods.listSearch`: one method per field name, which reads the operation from the node's current
 * parameters and asks the connector's `suggest` hook, the typed filter as `query` and n8n's pagination
 * token as `cursor`.
 */
import type { IDataObject, ILoadOptionsFunctions, INodeListSearchResult } from 'n8n-workflow';
import { runSuggest, type Contract, type Operation } from '../shared/contract.js';
import { inputFields } from '../shared/fields.js';
import { toNodeError } from './errors.js';
import { CREDENTIAL_NAME, operationInput, toConnection } from './node.js';
import { searchMethod } from './properties.js';

type ListSearch = (this: ILoadOptionsFunctions, filter?: string, paginationToken?: string) => Promise<INodeListSearchResult>;

/** A parameter the user has not finished: an expression is resolved only when the workflow runs. */
const isExpression = (value: unknown) => typeof value === 'string' && value.startsWith('=');

/** `methods.listSearch` for the operations of one node, whose selector parameter is `selector`. */
export function listSearch(contract: Contract, operations: Operation[], selector: string): Record<string, ListSearch> {
  const names = new Set(operations.flatMap((operation) => inputFields(operation).filter((f) => f.suggest).map((f) => f.name)));
  return Object.fromEntries(
    [...names].map((name): [string, ListSearch] => [
      searchMethod(name),
      async function (this: ILoadOptionsFunctions, filter?: string, paginationToken?: string): Promise<INodeListSearchResult> {
        try {
          const id = this.getCurrentNodeParameter(selector) as string;
          const operation = operations.find((o) => o.id === id) ?? operations[0]!;
          // What the user has filled in so far, as plain values: the hook may use it, and never rejects it.
          const current = (this.getCurrentNodeParameters() ?? {}) as IDataObject;
          const input = operationInput(operation, (parameter, fallback) => {
            const value = current[parameter] ?? fallback;
            return isExpression(value) ? undefined : value;
          });
          const connection = toConnection(contract, await this.getCredentials(CREDENTIAL_NAME));
          const request = { action: operation.id, field: `/${name}`, input, ...(filter ? { query: filter } : {}), ...(paginationToken ? { cursor: paginationToken } : {}) };
          const result = await runSuggest(contract, request, { connection, logger: this.logger });
          return {
            results: result.options.map((option) => ({ name: option.label, value: option.value, ...(option.description ? { description: option.description } : {}) })),
            ...(result.cursor ? { paginationToken: result.cursor } : {}),
          };
        } catch (error) {
          // Shown under the field, with our message.
          throw toNodeError(this.getNode(), error);
        }
      },
    ]),
  );
}
