/**
 * A result's `details` as a person reads them under its message: only what the message does not say
 * already. Empty values, `false` flags and values the message quotes are left out; lists of words are
 * joined. What the CLI and the playground both show.
 */
export function shownDetails(details: Record<string, unknown> | undefined, message = ''): [string, string | object][] {
  const shown: [string, string | object][] = [];
  for (const [key, value] of Object.entries(details ?? {})) {
    if (value === undefined || value === null || value === '' || value === false) continue;
    if (Array.isArray(value) && value.every((item) => typeof item !== 'object')) {
      if (value.length > 0) shown.push([key, value.join(', ')]);
      continue;
    }
    if (typeof value === 'object') {
      shown.push([key, value]);
      continue;
    }
    const text = value === true ? 'yes' : String(value);
    if (typeof value === 'string' && message.includes(text)) continue;
    shown.push([key, text]);
  }
  return shown;
}
