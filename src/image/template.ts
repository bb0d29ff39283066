/**
 * Destination key templates: "thumbs/{path}-{size}.{ext}". A template is parsed once, before any
 * network call, then renders a key per source and size, and gives a pattern for the keys it can
 * produce, so outputs written under the listed prefix are never taken as sources on a rerun.
 */
import { invalidInput } from '../errors.js';
import { editDistance } from '../edit-distance.js';
import { OUTPUT_FORMATS, type OutputFormat } from './formats.js';

/** Each placeholder and the pattern of the values it can take. */
const PLACEHOLDERS = {
  key: '.+',
  dir: '.*',
  path: '.+',
  name: '[^/]+',
  sourceExt: '[^/.]*',
  ext: '',
  format: '',
  width: '[0-9]*',
  height: '[0-9]*',
  size: '[0-9]*x[0-9]*',
  dpr: '[0-9]+(?:\\.[0-9]+)?',
} as const;

export type Placeholder = keyof typeof PLACEHOLDERS;

/** Placeholders whose value can be empty, folding the slash after them. */
const MAY_BE_EMPTY: ReadonlySet<Placeholder> = new Set(['dir', 'sourceExt', 'width', 'height']);
export type TemplateValues = Record<Placeholder, string>;

type Token = { literal: string } | { placeholder: Placeholder };

export interface KeyTemplate {
  readonly text: string;
  readonly uses: ReadonlySet<Placeholder>;
  /** The key for these values: doubled slashes (from an empty {dir}) folded, no leading slash. */
  render(values: TemplateValues): string;
  /** Matches every key this template renders for `formats`, whatever the source and size. */
  pattern(formats: readonly OutputFormat[]): RegExp;
}

const NAMES = Object.keys(PLACEHOLDERS) as Placeholder[];

function closest(name: string): string | undefined {
  return NAMES.find((n) => editDistance(n.toLowerCase(), name.toLowerCase()) <= 2);
}

function tokenize(text: string, field: string): Token[] {
  const tokens: Token[] = [];
  let literal = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if ((c === '{' || c === '}') && text[i + 1] === c) {
      literal += c;
      i++;
    } else if (c === '{') {
      const end = text.indexOf('}', i);
      const name = end < 0 ? '' : text.slice(i + 1, end);
      if (!(NAMES as string[]).includes(name)) {
        const guess = end < 0 ? undefined : closest(name);
        throw invalidInput(
          field,
          `Expected a known placeholder in \`${field.slice(1)}\` but received ${end < 0 ? `an unclosed "{" at character ${i + 1}` : `{${name}}`}${guess ? `: did you mean {${guess}}?` : '.'} Known placeholders: ${NAMES.map((n) => `{${n}}`).join(', ')}; write {{ and }} for literal braces.`,
        );
      }
      if (literal) tokens.push({ literal });
      literal = '';
      tokens.push({ placeholder: name as Placeholder });
      i = end;
    } else if (c === '}') {
      throw invalidInput(field, `Expected "}" only after a placeholder in \`${field.slice(1)}\` but received a lone "}" at character ${i + 1}: write }} for a literal brace.`);
    } else {
      literal += c;
    }
  }
  if (literal) tokens.push({ literal });
  return tokens;
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Folds the slashes an empty placeholder leaves ("{dir}/x" at the top gives "x"). */
function tidy(key: string): string {
  return key.replace(/\/{2,}/g, '/').replace(/^\//, '');
}

export function parseTemplate(text: string, field = '/destinationKey'): KeyTemplate {
  const tokens = tokenize(text, field);
  const uses = new Set(tokens.flatMap((t) => ('placeholder' in t ? [t.placeholder] : [])));
  return {
    text,
    uses,
    render(values) {
      return tidy(tokens.map((t) => ('literal' in t ? t.literal : values[t.placeholder])).join(''));
    },
    pattern(formats) {
      const exts = [...new Set(formats.map((f) => OUTPUT_FORMATS[f].ext))];
      const choices = (list: readonly string[]) => `(?:${list.map(escape).join('|')})`;
      let source = '';
      tokens.forEach((token, i) => {
        const next = tokens[i + 1];
        if ('literal' in token) {
          // Slashes folded by render(): at the front, and the one an empty placeholder took (below).
          const previous = tokens[i - 1];
          const folded = i === 0 || (previous !== undefined && 'placeholder' in previous && MAY_BE_EMPTY.has(previous.placeholder));
          const literal = token.literal.replace(/\/{2,}/g, '/');
          source += escape(folded ? literal.replace(/^\//, '') : literal);
        } else {
          const value =
            token.placeholder === 'ext' ? choices(exts) : token.placeholder === 'format' ? choices(formats) : PLACEHOLDERS[token.placeholder];
          // An empty value folds the slash after it: "{dir}/x" at the top renders "x".
          source += MAY_BE_EMPTY.has(token.placeholder) && next && 'literal' in next && next.literal.startsWith('/') ? `(?:${value}/)?` : value;
        }
      });
      return new RegExp(`^${source}$`);
    },
  };
}

/** The values for one source key and size. `prefix` is where {path} starts (its folder). */
export function templateValues(
  key: string,
  prefix: string,
  output: { format: OutputFormat; width?: number | undefined; height?: number | undefined; size: string; dpr: number },
): TemplateValues {
  const slash = key.lastIndexOf('/');
  const file = key.slice(slash + 1);
  const dot = file.lastIndexOf('.');
  const name = dot > 0 ? file.slice(0, dot) : file;
  const root = prefix.slice(0, prefix.lastIndexOf('/') + 1);
  const stem = key.slice(0, key.length - (file.length - name.length));
  return {
    key,
    dir: slash < 0 ? '' : key.slice(0, slash),
    path: stem.startsWith(root) ? stem.slice(root.length) : stem,
    name,
    sourceExt: dot > 0 ? file.slice(dot + 1) : '',
    ext: OUTPUT_FORMATS[output.format].ext,
    format: output.format,
    width: output.width === undefined ? '' : String(output.width),
    height: output.height === undefined ? '' : String(output.height),
    size: output.size,
    dpr: String(output.dpr),
  };
}
