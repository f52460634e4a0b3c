/**
 * Loads and validates a data-set configuration (`DatasetConfig`, `lib/config-types.ts`)
 * from YAML. Validation is a zod schema plus cross-field checks; every error names
 * the key path and quotes the bad value.
 */
import { createHash } from 'node:crypto';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { z } from 'zod';
import { DatasetConfig, TIME_FORMAT_KEYWORDS } from './config-types';

/** A configuration that cannot be parsed or does not validate. */
export class ConfigError extends Error {
  /**
   * @param source where the configuration came from (a path or key).
   * @param issues one line per problem, `key.path: message (found <value>)`.
   */
  constructor(readonly source: string, readonly issues: string[]) {
    super(`invalid data-set configuration ${source}:\n  ${issues.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

/** Canonical columns a purchase rule may test. */
const RULE_COLUMNS = ['customer_id', 'item_id', 'quantity', 'unit_price', 'order_id'] as const;

const columnName = z.string().min(1, 'must be a non-empty column name');
const mapping = z
  .object({
    column: columnName,
    required: z.boolean().default(true),
    transform: z.enum(['none', 'upper', 'lower', 'trim']).default('none'),
  })
  .strict();

const IANA_OR_UTC = (tz: string) => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
};

const ruleColumn = z.enum(RULE_COLUMNS);
const rule = z.union([
  z.object({ column: ruleColumn, op: z.literal('present') }).strict(),
  z.object({ column: ruleColumn, op: z.enum(['gt', 'ge', 'lt', 'le']), value: z.number() }).strict(),
  z.object({ column: ruleColumn, op: z.enum(['starts_with', 'not_starts_with']), value: z.string() }).strict(),
  z
    .object({
      column: ruleColumn,
      op: z.enum(['matches', 'not_matches']),
      value: z.string().refine((p) => {
        try {
          new RegExp(p);
          return true;
        } catch {
          return false;
        }
      }, 'must be a valid regular expression'),
    })
    .strict(),
]);

/** Default `raw.pattern`: every key with `.csv` in its last segment, in any folder, compressed or not. */
export const DEFAULT_RAW_PATTERN = '**/*.csv*';

/** Name of the clean column that carries extra header columns under `csv.extra_columns: keep`. */
export const EXTRA_COLUMNS = 'extra_columns';

const configSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'must be lower-case letters, digits, ".", "_" or "-" (it names lake prefixes)'),
    raw: z
      .object({
        pattern: z.string().min(1, 'must be a non-empty glob such as **/*.csv*').default(DEFAULT_RAW_PATTERN),
      })
      .strict()
      .default({}),
    csv: z
      .object({
        compression: z.enum(['auto', 'lzop', 'gzip', 'zstd', 'none']).default('auto'),
        delimiter: z
          .string()
          .length(1, 'must be exactly one character')
          .refine((d) => !['"', '\n', '\r'].includes(d), 'must not be a quote, CR or LF')
          .refine((d) => d.charCodeAt(0) < 0x80, 'must be an ASCII character (the CSV reader splits fields on one byte)')
          .default(','),
        encoding: z.enum(['utf-8', 'latin1']).default('utf-8'),
        header: z.boolean().default(true),
        duplicates: z.enum(['keep', 'reject']),
        columns: z.array(columnName).min(1).optional(),
        extra_columns: z.enum(['keep', 'ignore', 'fail']).default('keep'),
        header_case: z.enum(['sensitive', 'insensitive']).default('sensitive'),
      })
      .strict(),
    columns: z
      .object({
        customer: mapping,
        item: mapping,
        time: mapping.extend({
          format: z.string().refine(
            (f) => (TIME_FORMAT_KEYWORDS as readonly string[]).includes(f) || f.includes('YYYY'),
            `must be ${TIME_FORMAT_KEYWORDS.join(', ')} or a token format with the YYYY token`,
          ),
          timezone: z.string().refine(IANA_OR_UTC, 'must be UTC or an IANA time zone such as Europe/London'),
        }),
        quantity: mapping.optional(),
        price: mapping.optional(),
        order: mapping.optional(),
        keep: z.array(columnName).default([]),
        ignore: z.array(columnName).optional(),
      })
      .strict(),
    purchase: z.array(rule).default([]),
  })
  .strict()
  .superRefine((c, ctx) => {
    /** Configured column names by their header key, with the key path that names them. */
    const used = new Map<string, { name: string; path: string }>();
    const claim = (name: string, path: (string | number)[]) => {
      const key = headerKey(name, c.csv.header_case);
      const earlier = used.get(key);
      if (earlier !== undefined) {
        const how = earlier.name === name ? '' : ` as "${earlier.name}" (names match after trimming${c.csv.header_case === 'insensitive' ? ', in any case' : ''})`;
        ctx.addIssue({ code: z.ZodIssueCode.custom, path, message: `column "${name}" is already used by ${earlier.path}${how}` });
      } else used.set(key, { name, path: path.join('.') });
    };
    for (const role of ['customer', 'item', 'time', 'quantity', 'price', 'order'] as const) {
      const m = c.columns[role];
      if (m) claim(m.column, ['columns', role, 'column']);
    }
    c.columns.keep.forEach((k, i) => claim(k, ['columns', 'keep', i]));
    (c.columns.ignore ?? []).forEach((k, i) => claim(k, ['columns', 'ignore', i]));
    const reserved = new Set(['customer_id', 'item_id', 'event_time', 'quantity', 'unit_price', 'order_id', 'source_object', 'source_line']);
    if (c.csv.extra_columns === 'keep') reserved.add(EXTRA_COLUMNS);
    const keptNames = new Set<string>();
    c.columns.keep.forEach((k, i) => {
      const name = keptColumnName(k);
      if (reserved.has(name) || keptNames.has(name)) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['columns', 'keep', i], message: `kept column "${k}" would be named "${name}", which is already taken` });
      }
      keptNames.add(name);
    });
    if (!c.csv.header && !c.csv.columns) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['csv', 'columns'], message: 'is required when csv.header is false (names of the columns in file order)' });
    }
    if (c.csv.columns) {
      const listed = new Set(c.csv.columns.map((n) => headerKey(n, c.csv.header_case)));
      for (const [key, { name }] of used) {
        if (!listed.has(key)) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['csv', 'columns'], message: `does not list the configured column "${name}"` });
      }
    }
    c.purchase.forEach((r, i) => {
      const role = { quantity: 'quantity', unit_price: 'price', order_id: 'order' } as const;
      const needs = role[r.column as keyof typeof role];
      if (needs && !c.columns[needs]) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['purchase', i, 'column'], message: `rule on "${r.column}" but columns.${needs} is not configured` });
      }
    });
  });

/** Value at a key path of a parsed document, for quoting in errors. */
function valueAt(doc: unknown, path: (string | number)[]): unknown {
  let v: unknown = doc;
  for (const k of path) v = v !== null && typeof v === 'object' ? (v as Record<string | number, unknown>)[k] : undefined;
  return v;
}

/**
 * Validates an already-parsed configuration object.
 * @param doc e.g. the result of `YAML.parse`.
 * @param source named in errors.
 * @returns the configuration with defaults filled in (`csv.delimiter` `,`,
 *   `csv.encoding` `utf-8`, `csv.header` true, `required` true, `transform` `none`,
 *   `keep` and `purchase` empty).
 * @throws ConfigError listing every problem as `key.path: message (found value)`.
 */
export function parseConfig(doc: unknown, source: string): DatasetConfig {
  const result = configSchema.safeParse(doc);
  if (!result.success) {
    throw new ConfigError(
      source,
      result.error.issues.map((issue) => {
        const path = issue.path.join('.') || '(root)';
        const found = valueAt(doc, issue.path);
        return `${path}: ${issue.message} (found ${found === undefined ? 'nothing' : JSON.stringify(found)})`;
      }),
    );
  }
  return result.data as DatasetConfig;
}

/**
 * Loads a configuration from YAML text.
 * @param yamlText the YAML document.
 * @param source named in errors, e.g. `config/online-retail.yaml`.
 * @throws ConfigError on a YAML syntax error (with line and column) or any validation problem.
 */
export function loadConfig(yamlText: string, source: string): DatasetConfig {
  let doc: unknown;
  try {
    doc = parseYaml(yamlText);
  } catch (e) {
    if (e instanceof YAMLParseError) throw new ConfigError(source, [`YAML syntax: ${e.message}`]);
    throw e;
  }
  return parseConfig(doc, source);
}

/** JSON with object keys sorted recursively (array order kept), so equal values give equal text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

/**
 * The configuration hash: SHA-256 (lower-case hex) of the {@link canonicalJson} of
 * the validated configuration, defaults filled in. Comments, key order and
 * spelled-out defaults of the YAML do not change it. The one hash the ledger
 * (`configHash` of each object), the run record (`config.sha256`) and the model
 * manifest (`configHash`) hold.
 */
export function configHash(config: DatasetConfig): string {
  return createHash('sha256').update(canonicalJson(config), 'utf8').digest('hex');
}

/**
 * The key under which a column name is matched, in a header and in the
 * configuration: the name trimmed of white space, and lower-cased (Unicode
 * default case mapping) when `csv.header_case` is `insensitive`.
 * @example headerKey(' CustomerID ', 'insensitive') // 'customerid'
 */
export function headerKey(name: string, headerCase: DatasetConfig['csv']['header_case']): string {
  const trimmed = name.trim();
  return headerCase === 'insensitive' ? trimmed.toLowerCase() : trimmed;
}

/**
 * Name under which a kept raw column lands in clean tables: lower snake case
 * (`Description` → `description`, `CustomerID` → `customer_id`, `Unit Price` → `unit_price`).
 */
export function keptColumnName(raw: string): string {
  return raw
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .toLowerCase();
}
