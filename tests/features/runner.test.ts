/**
 * features/runner.ts `eventsStep` over a lake that holds raw objects but no purchase
 * event: the error says why (no clean line, or purchase rules that keep none) instead
 * of sending the user to ingest data the lake already lists.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLzoRegistry } from '../../ingest/lzo1x';
import { ingestAll } from '../../ingest/run';
import { loadConfig } from '../../lib/config';
import type { DatasetConfig } from '../../lib/config-types';
import type { StageContext } from '../../lib/stage-context';
import { eventsStep } from '../../features/runner';
import { MemoryStore } from '../helpers/memory-store';
import { stageContext } from '../helpers/stage-context';

const WEBSHOP = join(__dirname, '..', '..', 'config', 'examples', 'webshop.yaml');
const HEADER = 'Order_Ref,Customer_No,SKU,Ordered_At,Units,Price_EUR,Channel,Coupon_Code\n';

/** A context over a lake holding `files` (key → text) ingested under `config`. */
async function lakeOf(config: DatasetConfig, files: Record<string, string>): Promise<StageContext> {
  const raw = new MemoryStore();
  for (const [key, text] of Object.entries(files)) await raw.put(key, Buffer.from(text));
  const lake = new MemoryStore();
  await ingestAll(raw, lake, config, { codecs: createLzoRegistry() });
  return stageContext(lake, 'train', config);
}

describe('eventsStep', () => {
  const webshop = loadConfig(readFileSync(WEBSHOP, 'utf8'), WEBSHOP);
  const lines = HEADER + 'W1,C1,TEA-001,2024-02-01T08:00:00Z,1,5.25,web,\nW2,C2,TEA-002,2024-02-02T08:00:00Z,2,5.25,web,\nW3,C2,TEA-003,2024-02-03T08:00:00Z,0,5.25,web,\n';

  it('indexes the purchase events of the clean rows, counting both in the run record', async () => {
    const ctx = await lakeOf(webshop, { 'orders-2024-02.csv': lines.replace('5.25,web,\nW2', '5.25,"web\nshop",\nW2') });
    expect((await eventsStep(ctx)).events.customerIds).toEqual(['C1', 'C2']);
    // Rows, not lines: the first record spans two lines.
    expect(ctx.run.snapshot('running').rows).toEqual({ 'events.clean_rows': 3, 'events.purchases': 2 });
  });

  it('says which purchase rule dropped the lines when the rules keep none of them', async () => {
    const config = { ...webshop, purchase: [...webshop.purchase, { column: 'quantity', op: 'gt', value: 1000 }] } as DatasetConfig;
    const ctx = await lakeOf(config, { 'orders-2024-02.csv': lines });
    await expect(eventsStep(ctx)).rejects.toThrow(
      'no purchase events: the purchase rules of data set "webshop" keep none of its 3 clean rows ({"column":"quantity","op":"gt","value":0} drops 1; {"column":"quantity","op":"gt","value":1000} drops 2); check purchase: in its configuration',
    );
  });

  it('says the ingested objects hold no clean line when each is a header alone', async () => {
    const ctx = await lakeOf(webshop, { 'orders-2024-02.csv': HEADER, 'orders-2024-03.csv': HEADER });
    await expect(eventsStep(ctx)).rejects.toThrow('the 2 raw object(s) its ledger memory://test/ledger/webshop.json lists hold no clean line (a header alone, or every line rejected)');
  });
});
