/** What a cold start should not pay for until an action needs it, and the module that shows it is loaded. */
export const ON_DEMAND: Readonly<Record<string, RegExp>>;
/** Modules loaded from node_modules now, as `package/path/in/it.js`. */
export function loadedModules(): string[];
/** The names in ON_DEMAND loaded now. */
export function loadedOnDemand(): string[];
