/** The contract's errors as n8n's: a NodeOperationError with our message, and code and retryable kept. */
import { NodeOperationError, type INode } from 'n8n-workflow';
import { errorFacts, type ErrorFacts } from '../shared/contract.js';

function describe(facts: ErrorFacts): string {
  const retry = facts.retryable ? 'It may succeed if retried.' : 'Retrying will not help until this is fixed.';
  return `${facts.code}${facts.field ? ` (${facts.field})` : ''}. ${retry}`;
}

/** `itemIndex`: the item that failed, when one did (a poll or a list search has none). */
export function toNodeError(node: INode, error: unknown, itemIndex?: number): NodeOperationError {
  const facts = errorFacts(error);
  // The error itself, not its message: n8n keeps it as the cause, with its stack, for whoever debugs it.
  const cause = error instanceof Error ? error : facts.message;
  const nodeError = new NodeOperationError(node, cause, { ...(itemIndex === undefined ? {} : { itemIndex }), description: describe(facts), level: facts.code === 'Unexpected' ? 'error' : 'warning' });
  // n8n swaps a message that mentions a network code (ECONNREFUSED...) for a generic one; ours already says
  // what failed and what to do.
  nodeError.message = facts.message;
  Object.assign(nodeError.context, { code: facts.code, retryable: facts.retryable, ...(facts.field ? { field: facts.field } : {}) });
  return nodeError;
}

/** The output item of a failed run when the node continues on fail. */
export function errorJson(error: unknown): ErrorFacts & { error: string } {
  const facts = errorFacts(error);
  return { error: facts.message, ...facts };
}
