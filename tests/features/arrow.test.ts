import { Schema, Table } from 'apache-arrow';
import { featureSetToTable, tableToFeatureSet, CUTOFF_METADATA_KEY } from '../../features/arrow';
import { buildFeatureSet } from '../../features/build';
import { FeatureColumnError, FeatureContractError } from '../../features/errors';
import { purchaseEvents } from '../../features/events';
import { parquetToTable, tableToParquet } from '../../lib/parquet';
import { cleanTable, RETAIL_RULES, syntheticShop, T } from './fixtures';

const events = purchaseEvents(cleanTable(syntheticShop()), RETAIL_RULES);
const fs = buildFeatureSet(events, T, { withLabels: true, popularN: 5, copurchaseM: 5 });

describe('featureSetToTable / tableToFeatureSet', () => {
  const table = featureSetToTable(fs, events);

  it('stores external ids beside dense ids, one float32 column per feature, labels and the cut-off', () => {
    expect(table.numRows).toBe(fs.n);
    expect(table.schema.fields.map((f) => f.name)).toEqual(['customer_id', 'item_id', 'customer', 'item', ...fs.names, 'label']);
    expect(table.schema.metadata.get(CUTOFF_METADATA_KEY)).toBe(String(T));
    const r = fs.n - 1;
    expect(table.getChild('customer_id')?.get(r)).toBe(events.customerIds[fs.customer[r]]);
    expect(table.getChild('item_id')?.get(r)).toBe(events.itemIds[fs.item[r]]);
    const k = fs.names.indexOf('c_spend');
    expect(table.getChild('c_spend')?.get(r)).toBe(fs.values[r * fs.names.length + k]);
  });

  it('round-trips through Parquet unchanged', () => {
    const back = tableToFeatureSet(parquetToTable(tableToParquet(table)));
    expect(back.cutoff).toBe(T);
    expect(back.n).toBe(fs.n);
    expect(back.names).toEqual(fs.names);
    expect(Array.from(back.customer)).toEqual(Array.from(fs.customer));
    expect(Array.from(back.item)).toEqual(Array.from(fs.item));
    expect(Array.from(back.values)).toEqual(Array.from(fs.values));
    expect(Array.from(back.label as Uint8Array)).toEqual(Array.from(fs.label as Uint8Array));
  });

  it('omits the label column when labels are unknown', () => {
    const { label: _label, ...unlabelled } = fs;
    const back = tableToFeatureSet(featureSetToTable(unlabelled, events));
    expect(back.label).toBeUndefined();
  });

  it('rejects tables without the cut-off or with mistyped columns, and ids without external ids', () => {
    const noCutoff = new Table(new Schema(table.schema.fields), table.batches);
    expect(() => tableToFeatureSet(noCutoff)).toThrow(FeatureContractError);
    expect(() => tableToFeatureSet(noCutoff)).toThrow('schema metadata "berserkr.cutoff": expected ms since the epoch, found null');
    const wrong = new Table({ x: table.getChild('customer')! });
    const withCutoff = new Table(new Schema(wrong.schema.fields, new Map([[CUTOFF_METADATA_KEY, '1']])), wrong.batches);
    expect(() => tableToFeatureSet(withCutoff)).toThrow(FeatureColumnError);
    expect(() => tableToFeatureSet(withCutoff)).toThrow('column "x": expected Float32, found Int32');
    const bad = { ...fs, item: Int32Array.from(fs.item, (i, r) => (r === 3 ? 99_999 : i)) };
    expect(() => featureSetToTable(bad, events)).toThrow(`FeatureSet.item: row 3: expected an id in [0, ${events.itemIds.length}), found 99999`);
  });
});
