/**
 * The entry a workflow host loads through connector.json: the test hook and the actions map.
 */
import { copy } from './actions/copy.js';
import { del } from './actions/delete.js';
import { get } from './actions/get.js';
import { head } from './actions/head.js';
import { list } from './actions/list.js';
import { presign } from './actions/presign.js';
import { put } from './actions/put.js';
import { resize } from './actions/resize.js';
import { resizeMany } from './actions/resizeMany.js';
import { splitPrefix } from './actions/splitPrefix.js';
import type { ActionHandler } from './contract.js';

export { testConnection } from './connection/test.js';
export { ConnectorError, ERROR_CODES, type ErrorCode } from './errors.js';
export type { ActionContext, ActionHandler, FileRef, FileStore, Logger, Progress, TestContext, TestResult } from './contract.js';

export const actions: Record<string, ActionHandler> = {
  head,
  get,
  put,
  list,
  delete: del,
  copy,
  presign,
  resize,
  resizeMany,
  splitPrefix,
};
