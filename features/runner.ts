/**
 * The features runner: the published clean transactions → purchase events (the data set's
 * purchase rules) → the event index every later step shares.
 */
import { NoPurchaseEventsError } from './errors';
import { buildEventIndex, EventIndex } from './event-index';
import { purchaseEvents } from './events';
import type { StageContext } from '../lib/stage-context';

/**
 * Reads clean transactions from the lake and indexes their purchase events.
 * @throws NoPurchaseEventsError when the purchase rules keep none of the clean lines;
 *   the errors of `Catalog.requireClean` when there are none.
 */
export async function eventsStep(ctx: StageContext): Promise<EventIndex> {
  return ctx.run.step('events', async () => {
    const { table: clean, parts } = await ctx.catalog.requireClean();
    ctx.run.input(ctx.catalog.store.uri, parts);
    const events = purchaseEvents(clean, ctx.config.purchase);
    ctx.run.count('events.clean_rows', clean.numRows);
    ctx.run.count('events.purchases', events.customer.length);
    if (events.customer.length === 0) throw new NoPurchaseEventsError(ctx.config.name, events.counts);
    ctx.log.child({ stage: 'features' }).info(
      { cleanRows: clean.numRows, purchases: events.customer.length, customers: events.customerIds.length, items: events.itemIds.length },
      `${events.customer.length} purchase events of ${events.customerIds.length} customers and ${events.itemIds.length} items`,
    );
    return buildEventIndex(events);
  });
}

/**
 * The as-of time to use: the one asked for, else just after the last event
 * (the last event's time + 1 ms, so every event is before it).
 * @param index an index of {@link eventsStep}, which holds at least one event.
 */
export function resolveAsOf(index: EventIndex, asOf: number | undefined): number {
  if (asOf !== undefined) return asOf;
  const { time } = index.events;
  return time[time.length - 1] + 1;
}
