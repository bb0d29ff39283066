import type { TriggerHandler } from '../contract.js';
import { objectChanged } from './objectChanged.js';

/** The entry's `triggers` map (host contract 1.1, section 5), keyed by the ids connector.json declares. */
export const triggers: Record<string, TriggerHandler> = {
  objectChanged,
};
