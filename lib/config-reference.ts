/**
 * The reference of every data-set configuration key, rendered as Markdown from the
 * zod schema itself (`configSchema`, `lib/config.ts`: keys, types, defaults, allowed
 * values, `.describe()` texts), so it cannot drift from what `loadConfig` accepts.
 * `npm run config-reference` writes it to docs/configuration.md; a test checks the
 * committed file is current.
 */
import { z } from 'zod';
import { configSchema } from './config';

/** One key of the reference. */
interface KeyRow {
  key: string;
  type: string;
  /** `required`, `optional`, or `default <value>`. */
  presence: string;
  description: string;
}

/** A schema without its optional/default/refinement wrappers, with what they said. */
interface Unwrapped {
  schema: z.ZodTypeAny;
  presence: string;
  description: string;
}

function unwrap(schema: z.ZodTypeAny): Unwrapped {
  let presence = 'required';
  let description = schema.description ?? '';
  for (;;) {
    if (schema instanceof z.ZodOptional) {
      presence = 'optional';
      schema = schema.unwrap();
    } else if (schema instanceof z.ZodDefault) {
      presence = `default \`${JSON.stringify(schema._def.defaultValue())}\``;
      schema = schema._def.innerType;
    } else if (schema instanceof z.ZodEffects) {
      schema = schema.innerType();
    } else break;
    description ||= schema.description ?? '';
  }
  return { schema, presence, description };
}

const code = (v: unknown) => `\`${typeof v === 'string' ? v : JSON.stringify(v)}\``;

/** The type of a schema as the reference writes it, e.g. `one of \`keep\`, \`reject\``, `list of string`. */
function typeName(schema: z.ZodTypeAny): string {
  const { schema: s } = unwrap(schema);
  if (s instanceof z.ZodEnum) return `one of ${(s.options as string[]).map(code).join(', ')}`;
  if (s instanceof z.ZodLiteral) return code(s.value);
  if (s instanceof z.ZodString) {
    const regex = s._def.checks.find((c) => c.kind === 'regex');
    const length = s._def.checks.find((c) => c.kind === 'length');
    return regex?.kind === 'regex' ? `string matching ${code(regex.regex.source)}` : length?.kind === 'length' ? `string of ${length.value} character${length.value === 1 ? '' : 's'}` : 'string';
  }
  if (s instanceof z.ZodNumber) return 'number';
  if (s instanceof z.ZodBoolean) return 'boolean';
  if (s instanceof z.ZodObject) return 'mapping';
  if (s instanceof z.ZodUnion || s instanceof z.ZodDiscriminatedUnion) return 'one of the forms below';
  if (s instanceof z.ZodArray) {
    const element = unwrap(s.element).schema;
    return element instanceof z.ZodObject || element instanceof z.ZodUnion || element instanceof z.ZodDiscriminatedUnion ? 'list of mappings' : `list of ${typeName(s.element)}`;
  }
  throw new Error(`config reference: no type name for a ${s.constructor.name}`);
}

/** Rows of `schema` at `key` and of every key below it, in schema order. */
function rows(schema: z.ZodTypeAny, key: string): KeyRow[] {
  const { schema: s, presence, description } = unwrap(schema);
  const own: KeyRow[] = key === '' ? [] : [{ key, type: typeName(schema), presence, description }];
  if (s instanceof z.ZodObject) {
    return own.concat(Object.entries(s.shape as Record<string, z.ZodTypeAny>).flatMap(([k, v]) => rows(v, key === '' ? k : `${key}.${k}`)));
  }
  if (s instanceof z.ZodArray) {
    const element = unwrap(s.element).schema;
    if (element instanceof z.ZodObject) return own.concat(rows(element, `${key}[]`));
    if (element instanceof z.ZodUnion || element instanceof z.ZodDiscriminatedUnion) return own.concat(unionRows(element.options as z.ZodTypeAny[], `${key}[]`));
  }
  return own;
}

/**
 * Rows of a union of mappings: a key that every form has alike once (e.g. `purchase[].column`),
 * then one row per form, naming its other keys and their types.
 */
function unionRows(forms: z.ZodTypeAny[], key: string): KeyRow[] {
  const shapes = forms.map((f) => {
    const form = unwrap(f).schema;
    if (!(form instanceof z.ZodObject)) throw new Error(`config reference: a list element form that is a ${form.constructor.name}, not a mapping`);
    return form.shape as Record<string, z.ZodTypeAny>;
  });
  const shared = Object.keys(shapes[0]).filter((k) => shapes.every((s) => k in s && typeName(s[k]) === typeName(shapes[0][k])));
  const out = shared.flatMap((k) => rows(shapes[0][k], `${key}.${k}`));
  for (const shape of shapes) {
    const keys = Object.keys(shape).filter((k) => !shared.includes(k));
    out.push({
      key: `${key} form`,
      type: keys.map((k) => `${k}: ${typeName(shape[k])}`).join('; '),
      presence: 'required',
      description: keys.map((k) => unwrap(shape[k]).description).filter(Boolean).join(' '),
    });
  }
  return out;
}

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/**
 * The configuration reference, Markdown: an introduction, then one table row per key
 * (dotted path, `[]` for list elements), with its type or allowed values, whether it is
 * required or its default, and its description.
 * @throws Error naming a schema type the renderer does not know (a schema change to follow here).
 */
export function configReference(): string {
  const lines = [
    '# Data-set configuration reference',
    '',
    '<!-- Generated from the zod schema in lib/config.ts by `npm run config-reference`; do not edit by hand. -->',
    '',
    'A data set is described by one YAML file, passed with `--config` (or `BERSERKR_CONFIG`).',
    '`loadConfig` (lib/config.ts) checks it against the keys below and names every problem',
    'with its key path and the value found; unknown keys are errors. Examples:',
    '[config/online-retail.yaml](../config/online-retail.yaml) (lzop CSV, the bundled data),',
    '[config/complete-journey.yaml](../config/complete-journey.yaml) (lzop CSV, the second bundled data set:',
    'ISO 8601 times with a UTC offset, no unit price, other columns kept, no extra column allowed) and',
    '[config/examples/webshop.yaml](../config/examples/webshop.yaml) (gzip and plain CSV, ISO 8601 times,',
    'an extra column). `berserkr validate --config <file> --raw <uri>` shows what ingest would make of',
    'a sample of your files, writing nothing.',
    '',
    'Keys are dotted paths; `[]` is an element of a list. A `form` row is one of the shapes an element may take.',
    '',
    '| key | type | required / default | description |',
    '| --- | --- | --- | --- |',
    ...rows(configSchema, '').map((r) => `| \`${r.key}\` | ${cell(r.type)} | ${cell(r.presence)} | ${cell(r.description)} |`),
    '',
  ];
  return lines.join('\n');
}

if (require.main === module) process.stdout.write(configReference());
