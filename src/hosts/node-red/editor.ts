/**
 * The Node-RED editor side: the package's amazon-s3.html, written at build time from connector.json and
 * the schemas (Node-RED reads a node's .html from disk before its module runs, so it cannot be derived at
 * load time). The definitions are embedded as JSON; one small script renders the forms from them.
 */
import type { Contract } from '../shared/contract.js';
import { editorDefinitions } from './definitions.js';

/** The slice of the editor's jQuery the script uses (TypedInput is a jQuery widget there). */
interface Jq {
  (selector: unknown): Jq;
  ajax(options: object): { done(handler: (answer: { options: { value: string; label: string; description?: string }[] }) => void): { fail(handler: () => void): void } };
  append(child: Jq): Jq;
  appendTo(parent: Jq): Jq;
  empty(): Jq;
  text(text: string): Jq;
  val(): string;
  val(value: string | number): Jq;
  attr(name: string): string;
  attr(name: string, value: string): Jq;
  on(event: string, handler: () => void): Jq;
  each(fn: (this: unknown) => void): Jq;
  typedInput(options: object): Jq;
  typedInput(method: 'type' | 'value'): string;
  typedInput(method: 'type', value: string): Jq;
}

type Defs = ReturnType<typeof editorDefinitions>;
type Saved = Record<string, { value: string; type: string }>;

/** Runs in the editor (a browser): `DEFS` is editorDefinitions(), `RED` and `$` the editor's globals. */
function editorScript(DEFS: Defs, RED: { nodes: { registerType(type: string, definition: object): void } }, $: Jq): void {
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

  type Operation = Defs['actions'][number];
  type Field = Operation['fields'][number];
  const choices = (field: Field) => (field.choices ?? []).map((c) => ({ value: c.value, label: c.label }));

  /**
   * A plain string that completes keys from the bucket as the user types: the admin endpoint asks the
   * connector's `suggest` with the connection chosen in this form (once deployed).
   */
  const suggesting = (operation: string, field: Field) => ({
    value: 'str',
    label: 'string',
    icon: 'red/images/typedInput/az.svg',
    autoComplete(value: string, done: (options: { value: string; label: string }[]) => void) {
      $.ajax({
        url: DEFS.suggestPath,
        method: 'POST',
        contentType: 'application/json',
        data: JSON.stringify({ connection: $('#node-input-connection').val(), operation, field: `/${field.name}`, query: value }),
      })
        .done((answer) => done(answer.options.map((o) => ({ value: o.value, label: o.description ? `${o.label}  (${o.description})` : o.label }))))
        .fail(() => done([]));
    },
  });

  /** An operation's fields as TypedInputs in `box`, from what the node saved. */
  const renderFields = (box: Jq, operation: Operation, saved: Saved | undefined) => {
    box.empty();
    for (const field of operation.fields) {
      const initial = field.kind === 'file' ? 'payload' : field.default === undefined ? '' : typeof field.default === 'object' ? JSON.stringify(field.default) : String(field.default);
      const value = saved?.[field.name] ?? { value: initial, type: field.types[0]! };
      const row = $(`<div class="form-row"><label title="${esc(field.description)}">${esc(field.title)}${field.required ? ' *' : ''}${field.advanced ? ' (advanced)' : ''}</label></div>`);
      const input = $('<input type="text" style="width:70%">').attr('data-field', field.name).val(value.value).appendTo(row);
      const types = field.types.map((t) => (t === 'choice' ? { value: 'choice', label: 'value', options: choices(field) } : t === 'str' && field.suggest ? suggesting(operation.id, field) : t));
      input.typedInput({ default: value.type, types });
      input.typedInput('type', value.type);
      box.append(row);
    }
  };
  const savedFields = (box: string): Saved => {
    const fields: Saved = {};
    $(`${box} input[data-field]`).each(function (this: unknown) {
      fields[$(this).attr('data-field')] = { value: $(this).typedInput('value'), type: $(this).typedInput('type') };
    });
    return fields;
  };
  /** The operation picker `select` over `operations`, re-rendering the fields on a change. */
  const pick = (select: string, operations: Operation[], chosen: string, help: string, box: string, saved: Saved | undefined, onPick?: (operation: Operation) => void) => {
    const picker = $(select);
    for (const operation of operations) picker.append($('<option>').val(operation.id).text(operation.name));
    const render = () => {
      const operation = operations.find((o) => o.id === picker.val()) ?? operations[0]!;
      $(help).text(operation.description);
      renderFields($(box), operation, saved);
      onPick?.(operation);
    };
    picker.val(chosen).on('change', render);
    render();
  };

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
    oneditprepare(this: { action: string; fields: Saved }) {
      pick('#node-input-action', DEFS.actions, this.action, '#s3-action-help', '#s3-action-fields', this.fields);
    },
    oneditsave(this: { fields: Saved }) {
      this.fields = savedFields('#s3-action-fields');
    },
  });

  if (DEFS.triggers.length === 0) return;
  RED.nodes.registerType(DEFS.types.trigger, {
    category: 'storage',
    color: '#E7E6AF',
    defaults: {
      name: { value: '' },
      connection: { value: '', type: DEFS.types.connection, required: true },
      trigger: { value: DEFS.triggers[0]!.id },
      interval: { value: Math.max(DEFS.defaultIntervalSeconds, DEFS.triggers[0]!.minIntervalSeconds), required: true },
      store: { value: '' },
      fields: { value: {} },
    },
    inputs: 0,
    outputs: 1,
    icon: DEFS.icon,
    paletteLabel: `${DEFS.name} trigger`,
    label(this: { name?: string; trigger?: string }) {
      return this.name || DEFS.triggers.find((t) => t.id === this.trigger)?.name || `${DEFS.name} trigger`;
    },
    oneditprepare(this: { trigger: string; fields: Saved }) {
      pick('#node-input-trigger', DEFS.triggers, this.trigger, '#s3-trigger-help', '#s3-trigger-fields', this.fields, (trigger) => {
        const least = (trigger as (typeof DEFS.triggers)[number]).minIntervalSeconds;
        $('#node-input-interval').attr('min', String(least));
        $('#s3-trigger-interval-help').text(`At least ${least} seconds.`);
      });
    },
    oneditsave(this: { fields: Saved }) {
      this.fields = savedFields('#s3-trigger-fields');
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

/** The names and descriptions of some operations, for a help panel. */
function helpList(operations: { name: string; description: string }[]): string {
  return `<dl>${operations.map((o) => `<dt>${escapeHtml(o.name)}</dt><dd>${escapeHtml(o.description)}</dd>`).join('')}</dl>`;
}

/** The whole .html file Node-RED serves to its editor for the node types. */
export function editorHtml(contract: Contract): string {
  const defs = editorDefinitions(contract);
  const embedded = JSON.stringify(defs).replace(/</g, '\\u003c');
  const basic = defs.connection.filter((f) => !f.advanced).map(formRow).join('\n');
  const advanced = defs.connection.filter((f) => f.advanced).map(formRow).join('\n');
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
<h3>Errors</h3><p>${ERRORS_HELP}</p>
<h3>Keys</h3><p>${KEYS_HELP}</p>
<h3>Actions</h3>${helpList(defs.actions)}
</script>
${defs.triggers.length === 0 ? '' : triggerTemplates(defs)}`;
}

const ERRORS_HELP = 'A catch node gets <code>msg.error.code</code> (e.g. <code>NotFound</code>) and the message; <code>msg._error</code> holds the code, message, <code>retryable</code> and the field.';
const KEYS_HELP = 'Key and folder fields complete from the bucket as you type, once the connection is deployed.';

function triggerTemplates(defs: ReturnType<typeof editorDefinitions>): string {
  return `
<script type="text/html" data-template-name="${defs.types.trigger}">
<div class="form-row"><label for="node-input-name">Name</label><input type="text" id="node-input-name"></div>
<div class="form-row"><label for="node-input-connection">Connection</label><input type="text" id="node-input-connection"></div>
<div class="form-row"><label for="node-input-trigger">Trigger</label><select id="node-input-trigger"></select></div>
<div class="form-tips" id="s3-trigger-help"></div>
<div class="form-row"><label for="node-input-interval">Every (seconds)</label><input type="number" id="node-input-interval" style="width:100px"> <span id="s3-trigger-interval-help"></span></div>
<div class="form-row"><label for="node-input-store">Context store</label><input type="text" id="node-input-store" placeholder="default" style="width:70%"></div>
<div id="s3-trigger-fields"></div>
</script>

<script type="text/html" data-help-name="${defs.types.trigger}">
<p>Starts a flow when something changes in ${escapeHtml(defs.name)}: it polls on its own interval, at once when deployed (that first poll only notes what exists, which fires nothing), and sends one message per event.</p>
<h3>Outputs</h3><p><code>msg.payload</code>: the event, <code>{ id, occurredAt, type, data }</code>, <code>data</code> holding the object's key, size, ETag and date; <code>msg.topic</code> is the event's type. After a crash an event may come again with the same <code>id</code>.</p>
<h3>State</h3><p>What the trigger has seen is kept in the node's context, in the <b>Context store</b> named (Node-RED's default when empty). A memory store forgets it on a restart, and the trigger starts over from then; a persistent store (<code>localfilesystem</code>) lets it send what changed while Node-RED was stopped.</p>
<h3>Errors</h3><p>${ERRORS_HELP} The next poll tries again.</p>
<h3>Triggers</h3>${helpList(defs.triggers)}
</script>
`;
}
