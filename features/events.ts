/**
 * Clean transactions → purchase events with dense integer ids.
 */
import { Table } from 'apache-arrow';
import type { PurchaseRule } from '../lib/config-types';
import { CLEAN, DAY_MS } from '../lib/schema';
import { ColumnCache, hasColumn } from './columns';
import { evaluatePurchaseRules, RuleCounts } from './rules';
import type { PurchaseEvents } from './types';

/** Line counts of {@link purchaseEvents}: read = kept + Σ droppedHere + missingKey. */
export interface PurchaseEventCounts extends RuleCounts {
  /** Lines that pass every rule but lack a customer id, item id or event time, so cannot be events. */
  missingKey: number;
}

/** Purchase events plus the line counts of the run record. */
export interface PurchaseEventsResult extends PurchaseEvents {
  counts: PurchaseEventCounts;
}

/** Ranks of distinct strings in code-unit order (the order of `<`). */
function stringRanks(values: (string | null)[], rows: Int32Array): Map<string, number> {
  const distinct = new Set<string>();
  for (let k = 0; k < rows.length; k++) distinct.add(values[rows[k]] as string);
  const sorted = [...distinct].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return new Map(sorted.map((s, r) => [s, r]));
}

/**
 * Selects the purchase events of a clean table and gives them dense ids.
 *
 * A line becomes an event when every purchase rule holds (see
 * `evaluatePurchaseRules`) and it has a customer id, item id and event time.
 * Events are sorted by `event_time`, ties by customer id then item id (string
 * order of the external ids), then by input line; customer, item and order ids
 * are dense indices assigned in order of first appearance in that order, so
 * the vocabulary as of any cut-off is a prefix of the full one (the
 * `PurchaseEvents` contract).
 *
 * quantity = `quantity` (1 when the column is absent or null); spend =
 * quantity × `unit_price` (0 when absent or null); order = `order_id`, or one
 * basket per customer and UTC day when the column is absent or null.
 *
 * @param clean clean transactions: `customer_id`, `item_id` (utf8),
 *   `event_time` (timestamp), optional `quantity`, `unit_price`, `order_id`.
 * @param rules the data set's purchase rules (`DatasetConfig.purchase`).
 * @returns the events (n = counts.kept − counts.missingKey) and the line counts.
 * @throws FeatureColumnError when a canonical column is absent or mistyped.
 * @throws PurchaseRuleError when a rule cannot be evaluated.
 * @example
 * const ev = purchaseEvents(cleanTable, config.purchase);
 * ev.customerIds[ev.customer[0]]; // external id of the earliest event's customer
 */
export function purchaseEvents(clean: Table, rules: readonly PurchaseRule[]): PurchaseEventsResult {
  const columns = new ColumnCache(clean);
  const { pass, counts } = evaluatePurchaseRules(clean, rules, columns);
  const customers = columns.text(CLEAN.customerId);
  const items = columns.text(CLEAN.itemId);
  const times = columns.number(CLEAN.eventTime);
  const quantities = hasColumn(clean, CLEAN.quantity) ? columns.number(CLEAN.quantity) : null;
  const prices = hasColumn(clean, CLEAN.unitPrice) ? columns.number(CLEAN.unitPrice) : null;
  const orders = hasColumn(clean, CLEAN.orderId) ? columns.text(CLEAN.orderId) : null;

  const keptRows: number[] = [];
  let missingKey = 0;
  const lines = clean.numRows; // a getter that sums over every record batch: read it once
  for (let i = 0; i < lines; i++) {
    if (pass[i] === 0) continue;
    const c = customers[i];
    const it = items[i];
    if (c === null || c === '' || it === null || it === '' || !Number.isFinite(times[i])) {
      missingKey++;
      continue;
    }
    keptRows.push(i);
  }
  const rows = Int32Array.from(keptRows);
  const customerRank = stringRanks(customers, rows);
  const itemRank = stringRanks(items, rows);
  const n = rows.length;
  const cr = new Int32Array(n);
  const ir = new Int32Array(n);
  for (let k = 0; k < n; k++) {
    cr[k] = customerRank.get(customers[rows[k]] as string) as number;
    ir[k] = itemRank.get(items[rows[k]] as string) as number;
  }
  const perm = Array.from({ length: n }, (_, k) => k);
  perm.sort((a, b) => times[rows[a]] - times[rows[b]] || cr[a] - cr[b] || ir[a] - ir[b] || a - b);

  const ev: PurchaseEventsResult = {
    customer: new Int32Array(n),
    item: new Int32Array(n),
    time: new Float64Array(n),
    quantity: new Float32Array(n),
    spend: new Float32Array(n),
    order: new Int32Array(n),
    customerIds: [],
    itemIds: [],
    counts: { ...counts, missingKey },
  };
  const customerDense = new Int32Array(customerRank.size).fill(-1);
  const itemDense = new Int32Array(itemRank.size).fill(-1);
  const orderDense = new Map<string, number>();
  for (let j = 0; j < n; j++) {
    const k = perm[j];
    const row = rows[k];
    if (customerDense[cr[k]] < 0) {
      customerDense[cr[k]] = ev.customerIds.length;
      ev.customerIds.push(customers[row] as string);
    }
    if (itemDense[ir[k]] < 0) {
      itemDense[ir[k]] = ev.itemIds.length;
      ev.itemIds.push(items[row] as string);
    }
    const q = quantities === null || Number.isNaN(quantities[row]) ? 1 : quantities[row];
    const p = prices === null || Number.isNaN(prices[row]) ? 0 : prices[row];
    const orderId = orders === null ? null : orders[row];
    // NUL-prefixed keys cannot collide with a real order id.
    const orderKey = orderId === null ? `\u0000${customers[row]}\u0000${Math.floor(times[row] / DAY_MS)}` : orderId;
    let o = orderDense.get(orderKey);
    if (o === undefined) {
      o = orderDense.size;
      orderDense.set(orderKey, o);
    }
    ev.customer[j] = customerDense[cr[k]];
    ev.item[j] = itemDense[ir[k]];
    ev.time[j] = times[row];
    ev.quantity[j] = q;
    ev.spend[j] = q * p;
    ev.order[j] = o;
  }
  return ev;
}
