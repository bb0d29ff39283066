/** `run <action> --help` and `actions <action>`: an action's fields from its input schema. */
import type { ActionInfo } from '../core/connector.js';
import { exampleOf, fieldsOf, firstSentence, typeOf, type FieldInfo } from '../core/fields.js';
import { BIN } from './args.js';

function describeField(field: FieldInfo): string[] {
  const { schema } = field;
  const facts = [typeOf(schema)];
  if (field.required) facts.push('required');
  if (schema.default !== undefined) facts.push(`default ${JSON.stringify(schema.default)}`);
  if (typeOf(schema) === 'file') facts.push(`a local file: --file ${field.name}=<path>`);
  const example = exampleOf(schema);
  const line = [firstSentence(schema.description), example === undefined ? undefined : `Example: ${JSON.stringify(example)}`].filter(Boolean).join(' ');
  return [`  ${field.name}  (${facts.join('; ')})`, ...(line ? [`      ${line}`] : [])];
}

/** An example --input from the required fields' examples (or the first field's), ready to copy. */
function exampleInput(fields: FieldInfo[]): string {
  const chosen = fields.filter((f) => f.required && typeOf(f.schema) !== 'file');
  const input = Object.fromEntries(
    (chosen.length > 0 ? chosen : fields.slice(0, 1)).map((f) => [f.name, exampleOf(f.schema)]).filter(([, value]) => value !== undefined),
  );
  return `'${JSON.stringify(input)}'`;
}

export function actionHelp(action: ActionInfo): string {
  const fields = fieldsOf(action.inputSchema);
  const files = fields.filter((f) => typeOf(f.schema) === 'file');
  const lines = [
    `${action.id}: ${action.name}${action.group ? ` (${action.group})` : ''}`,
    action.description,
    '',
    `Usage: ${BIN} run ${action.id} --connection <name> --input ${exampleInput(fields)}${files.length > 0 ? ` [--file ${files[0]!.name}=<path>]` : ''}`,
    `       ${BIN} run ${action.id} --connection <name>   (in a terminal: asks for the fields, completing keys with Tab)`,
  ];
  const basic = fields.filter((f) => !f.advanced);
  const advanced = fields.filter((f) => f.advanced);
  if (basic.length > 0) lines.push('', 'Fields:', ...basic.flatMap(describeField));
  if (advanced.length > 0) lines.push('', 'Advanced fields:', ...advanced.flatMap(describeField));
  return lines.join('\n');
}
