/**
 * The Node-RED editor side: the package's amazon-s3.html, written at build time from connector.json and
 * the schemas (Node-RED reads a node's .html from disk before its module runs, so it cannot be derived at
 * load time). The definitions are embedded as JSON; one small script renders both forms from them.
 */
import type { Contract } from '../shared/contract.js';
import { editorDefinitions } from './definitions.js';

/** The slice of the editor's jQuery the script uses (TypedInput is a jQuery widget there). */
interface Jq {
  (selector: unknown): Jq;
  append(child: Jq): Jq;
  appendTo(parent: Jq): Jq;
  empty(): Jq;
  text(text: string): Jq;
  val(): string;
  val(value: string): Jq;
  attr(name: string): string;
  attr(name: string, value: string): Jq;
  on(event: string, handler: () => void): Jq;
  each(fn: (this: unknown) => void): Jq;
  typedInput(options: object): Jq;
  typedInput(method: 'type' | 'value'): string;
  typedInput(method: 'type', value: string): Jq;
}

/** Runs in the editor (a browser): `DEFS` is editorDefinitions(), `RED` and `$` the editor's globals. */
function editorScript(DEFS: ReturnType<typeof editorDefinitions>, RED: { nodes: { registerType(type: string, definition: object): void } }, $: Jq): void {
  const esc = (text: unknown) => String(text ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  const secrets = DEFS.connection.filter((f) => f.kind === 'secret');
  const plain = DEFS.connection.filter((f) => f.kind !== 'secret');

  RED.nodes.registerType(DEFS.types.connection, {
    category: 'config',
    defaults: Object.fromEntries([['name', { value: '' }], ...plain.filter((f) => f.name !== 'name').map((f) => [f.name, { value: f.default ?? (f.input === 'checkbox' ? false : ''), required: f.required }])]),
    credentials: Object.fromEntries(secrets.map((f) => [f.name, { type: 'password', required: f.required }])),
    label(this: { name?: string; bucket?: string }) {
      return this.name || this.bucket || DEFS.name;
    },
  });

  const choices = (field: { choices?: { value: string; label: string }[] }) => (field.choices ?? []).map((c) => ({ value: c.value, label: c.label }));

  RED.nodes.registerType(DEFS.types.action, {
    category: 'storage',
    color: '#E7E6AF',
    defaults: { name: { value: '' }, connection: { value: '', type: DEFS.types.connection, required: true }, action: { value: DEFS.actions[0]!.id }, fields: { value: {} } },
    inputs: 1,
    outputs: 1,
    icon: DEFS.icon,
    paletteLabel: DEFS.name,
    label(this: { name?: string; action?: string }) {
      return this.name || DEFS.actions.find((a) => a.id === this.action)?.name || DEFS.name;
    },
    oneditprepare(this: { action: string; fields: Record<string, { value: string; type: string }> }) {
      const node = this;
      const select = $('#node-input-action');
      for (const action of DEFS.actions) select.append($('<option>').val(action.id).text(action.name));
      const render = () => {
        const action = DEFS.actions.find((a) => a.id === select.val())!;
        const box = $('#s3-action-fields').empty();
        $('#s3-action-help').text(action.description);
        for (const field of action.fields) {
          const initial = field.kind === 'file' ? 'payload' : field.default === undefined ? '' : typeof field.default === 'object' ? JSON.stringify(field.default) : String(field.default);
          const saved = node.fields?.[field.name] ?? { value: initial, type: field.types[0]! };
          const row = $(`<div class="form-row"><label title="${esc(field.description)}">${esc(field.title)}${field.required ? ' *' : ''}${field.advanced ? ' (advanced)' : ''}</label></div>`);
          const input = $('<input type="text" style="width:70%">').attr('data-field', field.name).val(saved.value).appendTo(row);
          const types = field.types.map((t) => (t === 'choice' ? { value: 'choice', label: 'value', options: choices(field) } : t));
          input.typedInput({ default: saved.type, types });
          input.typedInput('type', saved.type);
          box.append(row);
        }
      };
      select.val(node.action).on('change', render);
      render();
    },
    oneditsave(this: { fields: Record<string, { value: string; type: string }> }) {
      const fields: Record<string, { value: string; type: string }> = {};
      $('#s3-action-fields input[data-field]').each(function (this: unknown) {
        fields[$(this).attr('data-field')] = { value: $(this).typedInput('value'), type: $(this).typedInput('type') };
      });
      this.fields = fields;
    },
  });
}

function formRow(field: ReturnType<typeof editorDefinitions>['connection'][number]): string {
  const id = `node-config-input-${field.name}`;
  const label = `<label for="${id}" title="${escapeHtml(field.description ?? '')}">${escapeHtml(field.title)}${field.required ? ' *' : ''}</label>`;
  const control =
    field.input === 'select'
      ? `<select id="${id}">${field.required ? '' : '<option value=""></option>'}${(field.choices ?? []).map((c) => `<option value="${escapeHtml(c.value)}">${escapeHtml(c.label)}</option>`).join('')}</select>`
      : field.input === 'checkbox'
        ? `<input type="checkbox" id="${id}" style="width:auto">`
        : field.input === 'textarea'
          ? `<textarea id="${id}" rows="3" style="width:70%"></textarea>`
          : `<input type="${field.input}" id="${id}" placeholder="${escapeHtml(field.example ?? '')}" style="width:70%">`;
  return `<div class="form-row">${label}${control}</div>`;
}

function escapeHtml(text: unknown): string {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The whole .html file Node-RED serves to its editor for the two node types. */
export function editorHtml(contract: Contract): string {
  const defs = editorDefinitions(contract);
  const embedded = JSON.stringify(defs).replace(/</g, '\\u003c');
  const basic = defs.connection.filter((f) => !f.advanced).map(formRow).join('\n');
  const advanced = defs.connection.filter((f) => f.advanced).map(formRow).join('\n');
  const helpActions = defs.actions.map((a) => `<dt>${escapeHtml(a.name)}</dt><dd>${escapeHtml(a.description)}</dd>`).join('');
  return `<script type="text/javascript">
(${editorScript.toString()})(${embedded}, RED, $);
</script>

<script type="text/html" data-template-name="${defs.types.connection}">
${basic}
<h4>Advanced</h4>
${advanced}
</script>

<script type="text/html" data-template-name="${defs.types.action}">
<div class="form-row"><label for="node-input-name">Name</label><input type="text" id="node-input-name"></div>
<div class="form-row"><label for="node-input-connection">Connection</label><input type="text" id="node-input-connection"></div>
<div class="form-row"><label for="node-input-action">Action</label><select id="node-input-action"></select></div>
<div class="form-tips" id="s3-action-help"></div>
<div id="s3-action-fields"></div>
</script>

<script type="text/html" data-help-name="${defs.types.action}">
<p>${escapeHtml(defs.description)}</p>
<h3>Inputs</h3><p>Each field takes a value, or a <code>msg</code>, flow, global or env property. <code>msg.action</code> overrides the action. Files (e.g. <code>put</code>'s file) are Buffers from the message, <code>msg.payload</code> by default, named by <code>msg.filename</code>.</p>
<h3>Outputs</h3><p><code>msg.payload</code>: the action's result. A file it returns carries its bytes as a Buffer in <code>data</code>.</p>
<h3>Errors</h3><p>A catch node gets <code>msg.error.code</code> (e.g. <code>NotFound</code>) and the message; <code>msg._error</code> holds the code, message, <code>retryable</code> and the field.</p>
<h3>Actions</h3><dl>${helpActions}</dl>
</script>
`;
}
