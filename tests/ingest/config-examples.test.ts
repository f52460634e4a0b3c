/**
 * The bundled configuration examples load, and config/examples/webshop.yaml
 * ingests its sample (config/examples/webshop/: gzip and plain CSV, ISO 8601 times,
 * its own column names in another case, an extra column, duplicate lines) by
 * configuration alone.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { Table } from 'apache-arrow';
import { createLzoRegistry, ingestAll } from '../../ingest';
import { Catalog } from '../../lib/catalog';
import { loadConfig } from '../../lib/config';
import { FileStore } from '../../lib/store/file';

const EXAMPLES = join(__dirname, '..', '..', 'config', 'examples');
const load = (name: string) => loadConfig(readFileSync(join(EXAMPLES, name), 'utf8'), `config/examples/${name}`);
const rows = (t: Table) => t.toArray().map((r) => r.toJSON());

describe('config/examples', () => {
  it.each(readdirSync(EXAMPLES).filter((f) => f.endsWith('.yaml')))('%s loads', (name) => {
    expect(load(name).name).toMatch(/^[a-z0-9]/);
  });

  describe('webshop.yaml on its sample', () => {
    let dir: string;
    beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'berserkr-webshop-'))));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('ingests both objects, typing the times, carrying the extra column and rejecting the duplicates', async () => {
      const config = load('webshop.yaml');
      const lake = new FileStore(join(dir, 'lake'));
      const result = await ingestAll(new FileStore(join(EXAMPLES, 'webshop')), lake, config, { codecs: createLzoRegistry() });
      expect(result.failed).toEqual([]);
      expect(result.ingested.map((i) => [i.key, i.entry.counts])).toEqual([
        ['orders-2024-01.csv.gz', { read: 25, clean: 24, rejected: 1, duplicates: 1, byReason: { duplicate: 1 } }],
        ['orders-2024-02.csv', { read: 25, clean: 24, rejected: 1, duplicates: 1, byReason: { duplicate: 1 } }],
      ]);
      const clean = rows(await new Catalog(lake, 'webshop').clean.load());
      expect(clean).toHaveLength(48);
      const byOrder = new Map(clean.map((r) => [r.order_id, r]));
      // An offset, UTC with a fraction, and a date alone at midnight in Europe/Berlin; SKUs upper-cased.
      expect(['W20000', 'W20001', 'W20002'].map((o) => {
        const r = byOrder.get(o)!;
        return [r.customer_id, r.item_id, new Date(r.event_time as number).toISOString(), r.quantity, r.unit_price, r.channel, r.extra_columns];
      })).toEqual([
        ['C002', 'TEA-002', '2024-02-01T07:00:00.000Z', 1, 5.25, 'web', '{"Coupon_Code":"WINTER10"}'],
        ['C005', 'TIN-200', '2024-02-14T09:07:11.037Z', 2, 9, 'web', '{"Coupon_Code":null}'],
        ['C008', 'POT-020', '2024-02-26T23:00:00.000Z', 3, 29.9, 'web', '{"Coupon_Code":null}'],
      ]);
    });
  });
});
