/**
 * docs/configuration.md is the configuration reference generated from the zod
 * schema (`lib/config-reference.ts`): it is current, and documents every key the
 * bundled configurations use, each with a description.
 */
import { readdirSync, readFileSync } from 'fs';
import { join } from 'path';
import { parse } from 'yaml';
import { configReference } from '../../lib/config-reference';

const ROOT = join(__dirname, '..', '..');
const reference = configReference();

/** Dotted key paths of a parsed YAML document, `[]` for list elements. */
function keyPaths(doc: unknown, prefix = ''): string[] {
  if (Array.isArray(doc)) return doc.flatMap((v) => keyPaths(v, `${prefix}[]`));
  if (doc === null || typeof doc !== 'object') return [];
  return Object.entries(doc).flatMap(([k, v]) => {
    const key = prefix === '' ? k : `${prefix}.${k}`;
    return [key, ...keyPaths(v, key)];
  });
}

describe('configuration reference', () => {
  it('docs/configuration.md is the reference the schema gives (regenerate it with `npm run config-reference`)', () => {
    expect(readFileSync(join(ROOT, 'docs', 'configuration.md'), 'utf8')).toBe(reference);
  });

  it('describes every key, with its type and whether it is required or its default', () => {
    const rows = reference.split('\n').filter((l) => l.startsWith('| `'));
    expect(rows.length).toBeGreaterThan(40);
    for (const row of rows) {
      const cells = row.split(/(?<!\\)\|/).slice(1, -1).map((c) => c.trim());
      expect([cells[0], cells.length, cells.every((c) => c !== '')]).toEqual([cells[0], 4, true]);
      expect([cells[0], cells[2]]).toEqual([cells[0], expect.stringMatching(/^(required|optional|default `.+`)$/)]);
    }
    expect(reference).toContain('| `csv.compression` | one of `auto`, `lzop`, `gzip`, `zstd`, `none` | default `"auto"` |');
    expect(reference).toContain('| `csv.duplicates` | one of `keep`, `reject` | required |');
  });

  it('documents every key of the bundled configurations', () => {
    const files = [
      ...readdirSync(join(ROOT, 'config')).filter((f) => f.endsWith('.yaml')).map((f) => join(ROOT, 'config', f)),
      ...readdirSync(join(ROOT, 'config', 'examples')).filter((f) => f.endsWith('.yaml')).map((f) => join(ROOT, 'config', 'examples', f)),
    ];
    const documented = new Set(reference.split('\n').flatMap((l) => /^\| `([^`]+)` \|/.exec(l)?.[1] ?? []));
    for (const file of files) {
      for (const key of keyPaths(parse(readFileSync(file, 'utf8')))) {
        // A list element's keys other than the shared ones are named in its `form` rows.
        const path = /\[\]\.(op|value)$/.test(key) ? key.replace(/\.(op|value)$/, ' form') : key;
        expect([file, key, documented.has(path)]).toEqual([file, key, true]);
      }
    }
  });
});
