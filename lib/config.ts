/**
 * Loads and validates a data-set configuration (`DatasetConfig`, `lib/config-types.ts`)
 * from YAML. Validation is a zod schema plus cross-field checks; every error names
 * the key path and quotes the bad value.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { isMap, isNode, isScalar, isSeq, LineCounter, parse as parseYaml, parseDocument, YAMLParseError } from 'yaml';
import { z } from 'zod';
import { DATASET_NAME, DatasetConfig, TIME_FORMAT_KEYWORDS } from './config-types';

/** A configuration that cannot be parsed or does not validate. */
export class ConfigError extends Error {
  /**
   * @param source where the configuration came from (a path or key).
   * @param issues one line per problem, `[line N: ]key.path: message (found <value>)[; did you mean …?]`.
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
    column: columnName.describe('Name of the raw column, as in the header (matched after trimming; in any case with csv.header_case: insensitive).'),
    required: z.boolean().default(true).describe('Whether an empty value makes the line a reject (`missing_required`).'),
    transform: z
      .enum(['none', 'upper', 'lower', 'trim'])
      .default('none')
      .describe('Applied to the value before it is typed: upper or lower case, or white space trimmed on both sides.'),
  })
  .strict();

const IANA_OR_UTC = (tz: string) => {
  if (tz === 'UTC') return true; // without loading the time-zone database
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
};

const ruleColumn = z.enum(RULE_COLUMNS).describe('The canonical column the rule tests.');
// By `op`, so that a bad rule gets the error of its own form (an unknown op lists the known ones).
const rule = z.discriminatedUnion('op', [
  z.object({ column: ruleColumn, op: z.literal('present').describe('The value is not empty.') }).strict(),
  z
    .object({
      column: ruleColumn,
      op: z.enum(['gt', 'ge', 'lt', 'le']).describe('The value is greater than (`gt`), at least (`ge`), less than (`lt`), at most (`le`) the number `value`.'),
      value: z.number(),
    })
    .strict(),
  z
    .object({
      column: ruleColumn,
      op: z.enum(['starts_with', 'not_starts_with']).describe('The value starts, or does not start, with the text `value`.'),
      value: z.string(),
    })
    .strict(),
  z
    .object({
      column: ruleColumn,
      op: z.enum(['matches', 'not_matches']).describe('The value matches, or does not match, the regular expression `value` (JavaScript syntax, unanchored).'),
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

/**
 * The schema of a data-set configuration: keys, types, defaults, allowed values and
 * (`.describe()`) what each key means, which `config-reference.ts` renders as
 * docs/configuration.md. Cross-field checks follow in `superRefine`.
 */
export const configSchema = z
  .object({
    name: z
      .string()
      .regex(DATASET_NAME, 'must be lower-case letters, digits, ".", "_" or "-" (it names lake prefixes)')
      .describe('Data-set name: lower-case letters, digits, ".", "_" or "-". It names the lake prefixes of the data set (`clean/<name>/`, `rejects/<name>/`, …).'),
    raw: z
      .object({
        pattern: z
          .string()
          .min(1, 'must be a non-empty glob such as **/*.csv*')
          .default(DEFAULT_RAW_PATTERN)
          .describe('Glob (picomatch syntax) over the keys under --raw, matched case-insensitively: the objects ingest takes. `**` spans folders. Every other object is logged and recorded as skipped, with the reason.'),
      })
      .strict()
      .default({})
      .describe('Which raw objects belong to the data set.'),
    csv: z
      .object({
        compression: z
          .enum(['auto', 'lzop', 'gzip', 'zstd', 'none'])
          .default('auto')
          .describe('How raw objects are compressed: `auto` by each key\'s extension (`.lzo` lzop, `.gz` gzip, `.zst` zstd, any other none; `.bz2`, `.zip`, … are skipped), or one compression for every object. The first bytes must agree, else the object fails.'),
        delimiter: z
          .string()
          .length(1, 'must be exactly one character')
          .refine((d) => !['"', '\n', '\r'].includes(d), 'must not be a quote, CR or LF')
          .refine((d) => d.charCodeAt(0) < 0x80, 'must be an ASCII character (the CSV reader splits fields on one byte)')
          .default(',')
          .describe('Field separator: one ASCII character other than a quote, CR or LF.'),
        encoding: z
          .enum(['utf-8', 'latin1', 'windows-1252', 'utf-16le'])
          .default('utf-8')
          .describe(
            'Text encoding of the CSV: UTF-8 (invalid lines are rejected as `bad_encoding`), Latin-1 (ISO-8859-1), windows-1252 (what Windows spreadsheets save as CSV in Western Europe and the Americas: Latin-1 but for `€`, typographic quotes and a few more in 0x80–0x9F), '
              + 'or UTF-16 little-endian (Excel\'s "Unicode Text", tab-separated: `delimiter: "\\t"`; invalid UTF-16 fails the object). A file starting with a UTF-16 byte order mark fails under the other encodings.',
          ),
        header: z.boolean().default(true).describe('Whether the first line is a header, matched against the configured columns.'),
        duplicates: z
          .enum(['keep', 'reject'])
          .describe(
            'Exact duplicate lines within an object: `keep` every copy (counted as duplicates), or `reject` later copies of a clean line (reason `duplicate`, naming the first copy\'s line; a copy of a rejected line gets that line\'s reason). '
              + 'An object with the content (ETag and size) of another, most likely one file under two names, is ingested with a warning.',
          ),
        columns: z
          .array(columnName)
          .min(1)
          .optional()
          .describe('Raw column names in file order. Required when `header` is false; with a header, the header must list exactly these, in this order.'),
        extra_columns: z
          .enum(['keep', 'ignore', 'fail'])
          .default('keep')
          .describe('Header columns the configuration does not name: `keep` carries them into clean tables as one JSON object per line (column `extra_columns`), `ignore` drops them, `fail` fails the object.'),
        header_case: z
          .enum(['sensitive', 'insensitive'])
          .default('sensitive')
          .describe('How header names are matched to configured names, after trimming both: exactly, or in any case.'),
        decimal_separator: z
          .enum(['.', ','])
          .optional()
          // The default spelt out is the default left out: neither changes the configuration hash.
          .transform((s) => (s === '.' ? undefined : s))
          .describe('Decimal separator of the quantity and price columns, `.` when absent: `,` reads `4,50` (a `.` in such a number is then a reject, so a file of `4.50` is not read as 450).'),
        thousands_separator: z
          .enum([',', '.', ' ', "'"])
          .optional()
          .describe('Thousands separator of the quantity and price columns, none when absent: `1.234,50` with `.` and a `,` decimal separator, `"1,234.50"` with `,`. It may only group the integer part by three digits (`12.34` is a reject); a number may also go without it.'),
      })
      .strict()
      .describe('How the raw CSV objects are read.'),
    columns: z
      .object({
        customer: mapping.describe('The customer column → `customer_id` (utf8; null when empty, or only white space, and not required; a value holding a line break or another control character is a `bad_id` reject).'),
        item: mapping.describe('The item column → `item_id` (utf8; always required, a value of only white space counting as empty; a value holding a line break or another control character is a `bad_id` reject).'),
        time: mapping
          .extend({
            format: z
              .string()
              .refine(
                (f) => (TIME_FORMAT_KEYWORDS as readonly string[]).includes(f) || f.includes('YYYY'),
                `must be ${TIME_FORMAT_KEYWORDS.join(', ')} or a token format with the YYYY token`,
              )
              .describe(
                `Format of the times: ${TIME_FORMAT_KEYWORDS.map((k) => `\`${k}\``).join(', ')} (ISO 8601 dates or date-times with an optional fraction and offset; Unix time in seconds or milliseconds), `
                  + 'or a token format such as `M/D/YYYY H:mm` (tokens YYYY, M/MM, D/DD, H/HH, m/mm, s/ss; any other character matches itself). Lines whose time does not match are rejected as `bad_time`.',
              ),
            timezone: z
              .string()
              .refine(IANA_OR_UTC, 'must be UTC or an IANA time zone such as Europe/London')
              .describe('IANA time zone of times written without an offset, e.g. `UTC`, `Europe/London`; epoch times and times with an offset ignore it.'),
          })
          .describe('The time column → `event_time` (timestamp ms UTC; always required).'),
        quantity: mapping.optional().describe('The quantity column → `quantity` (int32); without it the column is null.'),
        price: mapping.optional().describe('The unit price column → `unit_price` (float64, a decimal number); without it the column is null.'),
        order: mapping.optional().describe('The order (invoice) column → `order_id` (utf8; null when empty, or only white space, and not required; a value holding a line break or another control character is a `bad_id` reject); without it the column is null.'),
        keep: z.array(columnName).default([]).describe('Other raw columns carried into clean tables as utf8, named in lower snake case of their ASCII letters and digits (`Unit Price` → `unit_price`); a name without any is refused.'),
        ignore: z.array(columnName).optional().describe('Raw columns present in the files and deliberately dropped: they must be in the header, and are never carried as extra columns.'),
      })
      .strict()
      .describe('Which raw columns are the canonical columns of clean transactions.'),
    purchase: z
      .array(rule)
      .default([])
      .describe(`Which clean lines are purchase events, for features, training and evaluation: all rules must hold. Each rule tests one canonical column (${RULE_COLUMNS.join(', ')}). Ingest keeps every typed line either way.`),
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
      if (name === '') {
        ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['columns', 'keep', i], message: `kept column "${k}" would have an empty name: its name holds no ASCII letter or digit` });
      } else if (reserved.has(name) || keptNames.has(name)) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['columns', 'keep', i], message: `kept column "${k}" would be named "${name}", which is already taken` });
      }
      keptNames.add(name);
    });
    const decimal = c.csv.decimal_separator ?? '.';
    if (c.csv.thousands_separator === decimal) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['csv', 'thousands_separator'], message: `must differ from the decimal separator ${JSON.stringify(decimal)}` });
    }
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
 * @param lineOf the line of the node at a key path in the source, when known (`loadConfig` knows it for YAML).
 * @throws ConfigError listing every problem as `[line N: ]key.path: message (found value)[; hint]`, the hint
 *   of an unknown key the nearest key of its object or where else the key belongs.
 */
export function parseConfig(doc: unknown, source: string, lineOf: (path: readonly (string | number)[]) => number | undefined = () => undefined): DatasetConfig {
  const result = configSchema.safeParse(doc);
  if (!result.success) {
    throw new ConfigError(
      source,
      result.error.issues.map((issue) => {
        const path = issue.path.join('.') || '(root)';
        const found = valueAt(doc, issue.path);
        const unknown = issue.code === 'unrecognized_keys' ? issue.keys : [];
        const line = lineOf(unknown.length > 0 ? [...issue.path, unknown[0]] : issue.path);
        const hints = unknown.flatMap((key) => keyHint(key, issue.path) ?? []);
        return `${line === undefined ? '' : `line ${line}: `}${path}: ${issue.message} (found ${found === undefined ? 'nothing' : JSON.stringify(found)})${hints.length > 0 ? `; ${hints.join(' ')}` : ''}`;
      }),
    );
  }
  return result.data as DatasetConfig;
}

/**
 * The configuration's schema as keys by place: each object's path (keys joined by `.`,
 * array items and record values taking no segment of their own) → its keys.
 */
const SCHEMA_KEYS: ReadonlyMap<string, ReadonlySet<string>> = (() => {
  const places = new Map<string, Set<string>>();
  const walk = (schema: z.ZodTypeAny, place: string): void => {
    if (schema instanceof z.ZodObject) {
      const keys = places.get(place) ?? new Set<string>();
      places.set(place, keys);
      for (const [key, child] of Object.entries(schema.shape as Record<string, z.ZodTypeAny>)) {
        keys.add(key);
        walk(child, place === '' ? key : `${place}.${key}`);
      }
    } else if (schema instanceof z.ZodOptional || schema instanceof z.ZodNullable || schema instanceof z.ZodDefault) walk(schema._def.innerType, place);
    else if (schema instanceof z.ZodEffects) walk(schema._def.schema, place);
    else if (schema instanceof z.ZodArray) walk(schema._def.type, place);
    else if (schema instanceof z.ZodUnion || schema instanceof z.ZodDiscriminatedUnion) for (const option of schema._def.options as z.ZodTypeAny[]) walk(option, place);
    else if (schema instanceof z.ZodRecord) walk(schema._def.valueType, place);
  };
  walk(configSchema, '');
  return places;
})();

/** Levenshtein distance of `a` and `b` (insertions, deletions, substitutions). */
function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) next[j] = Math.min(row[j] + 1, next[j - 1] + 1, row[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    row = next;
  }
  return row[b.length];
}

/**
 * A hint for the unknown key `key` of the object at `path`: the nearest key of that
 * object (case aside, at most 2 edits and fewer than its length), or where else in the
 * configuration the key belongs; undefined when neither.
 */
function keyHint(key: string, path: readonly (string | number)[]): string | undefined {
  const place = path.filter((p) => typeof p === 'string').join('.');
  let best: { key: string; d: number } | undefined;
  for (const known of SCHEMA_KEYS.get(place) ?? []) {
    const d = editDistance(key.toLowerCase(), known.toLowerCase());
    if (d <= 2 && d < key.length && (best === undefined || d < best.d)) best = { key: known, d };
  }
  if (best !== undefined) return `did you mean ${JSON.stringify(best.key)} for ${JSON.stringify(key)}?`;
  const elsewhere = [...SCHEMA_KEYS].filter(([, keys]) => keys.has(key)).map(([p]) => p || '(root)');
  return elsewhere.length === 0 ? undefined : `${JSON.stringify(key)} is a key of ${elsewhere.join(' or ')}, not of ${place || '(root)'}`;
}

/**
 * The 1-based line of the key at `path` in a YAML text (of the item, for an array
 * index), or of its nearest ancestor present; undefined when none is.
 * @param yamlText the YAML document.
 */
function yamlLines(yamlText: string): (path: readonly (string | number)[]) => number | undefined {
  const lineCounter = new LineCounter();
  const document = parseDocument(yamlText, { lineCounter });
  const line = (node: unknown): number | undefined => (isNode(node) && node.range ? lineCounter.linePos(node.range[0]).line : undefined);
  return (path) => {
    for (let p = path; p.length > 0; p = p.slice(0, -1)) {
      const parent = p.length === 1 ? document.contents : document.getIn(p.slice(0, -1), true);
      const last = p[p.length - 1];
      const at = isMap(parent) ? parent.items.find((pair) => isScalar(pair.key) && pair.key.value === last)?.key : isSeq(parent) && typeof last === 'number' ? parent.items[last] : undefined;
      const found = line(at);
      if (found !== undefined) return found;
    }
    return line(document.contents);
  };
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
  return parseConfig(doc, source, yamlLines(yamlText));
}

/** JSON with object keys sorted recursively (array order kept), so equal values give equal text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

/** SHA-256 (lower-case hex) of the {@link canonicalJson} of `value`. */
const canonicalHash = (value: unknown): string => createHash('sha256').update(canonicalJson(value), 'utf8').digest('hex');

/**
 * The configuration hash: SHA-256 (lower-case hex) of the {@link canonicalJson} of
 * the validated configuration, defaults filled in. Comments, key order and
 * spelled-out defaults of the YAML do not change it. The hash the run record
 * (`config.sha256`) and the model manifest (`configHash`) hold, and the ledger
 * (`configHash` of each object) that of the configuration the object was last read
 * with; which objects to read again goes by {@link rowsHash}.
 */
export function configHash(config: DatasetConfig): string {
  return canonicalHash(config);
}

/**
 * The hash of the settings that shape the clean rows, `csv` and `columns`: SHA-256
 * (lower-case hex) of their {@link canonicalJson}. Two configurations of one hash
 * make the same clean rows of a raw object; the others (`name`, `raw.pattern`, the
 * `purchase` rules, read after ingest) do not enter it. The ledger keeps it per
 * object: a different one re-ingests the object.
 */
export function rowsHash(config: DatasetConfig): string {
  return canonicalHash({ csv: config.csv, columns: config.columns });
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
 * Name under which a kept raw column lands in clean tables: lower snake case of its ASCII
 * letters and digits, any other run of characters one `_` (`Description` → `description`,
 * `CustomerID` → `customer_id`, `Unit Price` → `unit_price`, `Größe` → `gr_e`); empty when
 * the name holds no ASCII letter or digit, which the configuration refuses.
 */
export function keptColumnName(raw: string): string {
  return raw
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .toLowerCase();
}

/**
 * Reads and loads the configuration file at `path` (UTF-8 YAML).
 * @throws ConfigError when the file cannot be read (quoting the reason, such as ENOENT), on a
 *   YAML syntax error or on any validation problem, as {@link loadConfig}.
 */
export async function readConfig(path: string): Promise<DatasetConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ConfigError(path, [`cannot read it: ${(error as Error).message}`]);
  }
  return loadConfig(text, path);
}
