/**
 * The entry a workflow host loads through connector.json: the test hook and the actions map.
 */
import { head } from './actions/head.js';
import type { ActionHandler } from './contract.js';

export { testConnection } from './connection/test.js';
export { ConnectorError, ERROR_CODES, type ErrorCode } from './errors.js';
export type { ActionContext, ActionHandler, FileRef, FileStore, Logger, Progress, TestContext, TestResult } from './contract.js';

export const actions: Record<string, ActionHandler> = {
  head,
};
