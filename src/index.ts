/**
 * The entry a workflow host loads through connector.json: the test hook, the actions map and the triggers map.
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
import { cleanupUploads } from './actions/cleanupUploads.js';
import { splitPrefix } from './actions/splitPrefix.js';
import type { ActionHandler } from './contract.js';

export { testConnection } from './connection/test.js';
export { ConnectorError, ERROR_CODES, type ErrorCode } from './errors.js';
export type {
  ActionContext,
  ActionHandler,
  FileRef,
  FileStore,
  Logger,
  PollContext,
  PollResult,
  Progress,
  TestContext,
  TestResult,
  TriggerEvent,
  TriggerHandler,
  TriggerState,
} from './contract.js';

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
  cleanupUploads,
  splitPrefix,
};

export { suggest, type SuggestHook, type SuggestRequest, type SuggestResult } from './suggest.js';
export { triggers } from './triggers/index.js';
