import { purchaseEvents } from '../../features/events';
import { buildEventIndex, type EventIndex } from '../../features/event-index';
import { eventsDigest } from '../../scoring/events-digest';
import { cleanTable, Line, RETAIL_RULES, T } from '../features/fixtures';

const LINES: Line[] = [
  ['14001', '22000', '2011-08-01T10:00:00Z', 1, 2.1, '540001'],
  ['14002', '22001', '2011-10-20T10:00:00Z', 2, 1.25, '540010'],
  ['14001', '22001', '2011-11-01T10:00:00Z', 1, 1.25, '540012'],
  ['14002', '22000', '2011-11-20T10:00:00Z', 1, 2.1, '540021'], // after T
];

const indexOf = (lines: Line[]): EventIndex => buildEventIndex(purchaseEvents(cleanTable(lines), RETAIL_RULES));

describe('eventsDigest', () => {
  const digest = eventsDigest(indexOf(LINES), T);

  it('is 16 hex digits, the same for the same data', () => {
    expect(digest).toMatch(/^[0-9a-f]{16}$/);
    expect(eventsDigest(indexOf([...LINES]), T)).toBe(digest);
  });

  it('changes with an event before the as-of time', () => {
    const quantity: Line[] = LINES.map((l, i) => (i === 1 ? [l[0], l[1], l[2], 3, l[4], l[5]] : l));
    expect(eventsDigest(indexOf(quantity), T)).not.toBe(digest);
    expect(eventsDigest(indexOf([...LINES, ['14002', '22001', '2011-11-05T10:00:00Z', 1, 1.25, '540013']]), T)).not.toBe(digest);
  });

  it('ignores events at or after the as-of time of known customers and items', () => {
    expect(eventsDigest(indexOf([...LINES, ['14001', '22000', '2011-11-25T10:00:00Z', 1, 2.1, '540030']]), T)).toBe(digest);
    expect(eventsDigest(indexOf(LINES), T + 1)).toBe(digest);
  });
});
