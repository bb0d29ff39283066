/**
 * The lists in an action's output (a listing's objects and folders, the keys a bulk resize wrote) as
 * tables, with columns from the output schema: sizes in bytes read as KiB/MiB, dates as dates.
 */
import { formatBytes } from '../../../bytes.js';
import type { JsonSchema } from '../api-types.js';

/** Rows shown per table; the JSON view below has them all. */
const MAX_ROWS = 500;

export interface Table {
  name: string;
  columns: { name: string; schema: JsonSchema }[];
  /** One cell per column, or one cell for a list of plain values. */
  rows: unknown[][];
  total: number;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Every top-level array of the output, as a table; none when the output has no lists. */
export function outputTables(output: unknown, schema: JsonSchema): Table[] {
  if (!isObject(output) || !isObject(schema.properties)) return [];
  const tables: Table[] = [];
  for (const [name, property] of Object.entries(schema.properties as Record<string, JsonSchema>)) {
    const value = output[name];
    if (property.type !== 'array' || !Array.isArray(value) || !isObject(property.items)) continue;
    const items = property.items as JsonSchema;
    const columns = isObject(items.properties)
      ? Object.entries(items.properties as Record<string, JsonSchema>).map(([column, columnSchema]) => ({ name: column, schema: columnSchema }))
      : [{ name, schema: items }];
    const rows = value.slice(0, MAX_ROWS).map((item) => (isObject(items.properties) && isObject(item) ? columns.map((c) => item[c.name]) : [item]));
    tables.push({ name, columns, rows, total: value.length });
  }
  return tables;
}

/** A cell as a person reads it, the unit from the schema: "Size in bytes" reads as 48.5 KiB. */
function cell(value: unknown, schema: JsonSchema): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'number' && schema.type === 'integer' && /\bbytes?\b/i.test(String(schema.description ?? ''))) return formatBytes(value);
  if (typeof value === 'string' && schema.format === 'date-time') return new Date(value).toLocaleString();
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

export function OutputTable({ table }: { table: Table }) {
  return (
    <div className="table-wrap">
      <table className="output-table" aria-label={table.name}>
        <caption>
          {table.name} <span className="muted">({table.total.toLocaleString()})</span>
        </caption>
        {table.total > 0 && (
          <thead>
            <tr>
              {table.columns.map((column) => (
                <th key={column.name} scope="col">
                  {column.name}
                </th>
              ))}
            </tr>
          </thead>
        )}
        <tbody>
          {table.rows.map((row, i) => (
            <tr key={i}>
              {row.map((value, j) => (
                <td key={j}>{cell(value, table.columns[j]!.schema)}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      {table.total > table.rows.length && <p className="muted">The first {table.rows.length.toLocaleString()} of {table.total.toLocaleString()}: the JSON below has them all.</p>}
    </div>
  );
}
