import { TimeFormatError, compileTimeFormat } from '../../ingest/time';

describe('compileTimeFormat', () => {
  const retail = compileTimeFormat('M/D/YYYY H:mm', 'UTC');

  it('parses the Online Retail format as UTC', () => {
    expect(retail('12/1/2010 8:26')).toBe(Date.UTC(2010, 11, 1, 8, 26));
    expect(retail('12/09/2011 12:50')).toBe(Date.UTC(2011, 11, 9, 12, 50));
  });

  it.each(['13/45/2011 8:26', '2/29/2011 8:00', '1/1/2011 24:00', '1/1/2011 8:60', '1/1/11 8:26', '1/1/2011 8:26 ', '1/1/2011', 'x/1/2011 8:26', ''])(
    'rejects %p',
    (text) => expect(retail(text)).toBeNaN(),
  );

  it('accepts 29 February in a leap year and exact-width tokens', () => {
    expect(retail('2/29/2012 0:00')).toBe(Date.UTC(2012, 1, 29));
    const iso = compileTimeFormat('YYYY-MM-DDTHH:mm:ss', 'UTC');
    expect(iso('2011-03-05T07:08:09')).toBe(Date.UTC(2011, 2, 5, 7, 8, 9));
    expect(iso('2011-3-05T07:08:09')).toBeNaN();
    expect(compileTimeFormat('DD-MM-YYYY', 'UTC')('03-01-2015')).toBe(Date.UTC(2015, 0, 3));
  });

  it('applies an IANA zone, across daylight saving time', () => {
    const london = compileTimeFormat('YYYY-MM-DD HH:mm', 'Europe/London');
    expect(london('2011-01-15 12:00')).toBe(Date.UTC(2011, 0, 15, 12, 0)); // GMT
    expect(london('2011-07-15 12:00')).toBe(Date.UTC(2011, 6, 15, 11, 0)); // BST = UTC+1
    // Fall back 2011-10-30 02:00 BST → 01:00 GMT: 01:30 occurs twice, the earlier (BST) wins.
    expect(london('2011-10-30 01:30')).toBe(Date.UTC(2011, 9, 30, 0, 30));
    // Spring forward 2011-03-27 01:00 GMT → 02:00 BST: 01:30 does not exist, read with GMT.
    expect(london('2011-03-27 01:30')).toBe(Date.UTC(2011, 2, 27, 1, 30));
    const ny = compileTimeFormat('M/D/YYYY H:mm', 'America/New_York');
    expect(ny('7/4/2011 9:00')).toBe(Date.UTC(2011, 6, 4, 13, 0));
  });

  it('applies a zone to the years 0 to 99 (which Date.UTC reads as 1900 to 1999) and to the first year', () => {
    const at = (year: number, month: number, day: number, h: number, mi: number, sec: number): number => {
      const d = new Date(Date.UTC(2000, month - 1, day, h, mi, sec));
      d.setUTCFullYear(year);
      return d.getTime();
    };
    // Before 1893 Berlin kept local mean time, 53 min 28 s ahead of UTC.
    const berlin = compileTimeFormat('YYYY-MM-DDTHH:mm:ss', 'Europe/Berlin');
    expect(berlin('0024-03-05T10:00:00')).toBe(at(24, 3, 5, 9, 6, 32));
    expect(berlin('0001-01-01T00:53:28')).toBe(at(1, 1, 1, 0, 0, 0));
    expect(berlin('0000-06-01T12:00:00')).toBe(at(0, 6, 1, 11, 6, 32));
    const london = compileTimeFormat('YYYY-MM-DD HH:mm', 'Europe/London');
    expect(london('0099-12-31 23:59')).toBe(at(99, 12, 31, 23, 59, 0) + 75_000); // LMT −0:01:15
  });

  it('reads times around a change of half an hour alike in any order (Lord Howe Island: +10:30 / +11:00)', () => {
    // 2023-10-01 02:00 +10:30 → 02:30 +11:00: 02:10 does not exist (read with +10:30), 02:40 is +11:00.
    // 2023-04-02 02:00 +11:00 → 01:30 +10:30: 01:40 occurs twice (the earlier wins), 01:10 is +11:00.
    const expected: Record<string, number> = {
      '2023-10-01 02:10': Date.UTC(2023, 8, 30, 15, 40),
      '2023-10-01 02:40': Date.UTC(2023, 8, 30, 15, 40),
      '2023-04-02 01:10': Date.UTC(2023, 3, 1, 14, 10),
      '2023-04-02 01:40': Date.UTC(2023, 3, 1, 14, 40),
    };
    for (const order of [Object.keys(expected), Object.keys(expected).reverse()]) {
      const lordHowe = compileTimeFormat('YYYY-MM-DD HH:mm', 'Australia/Lord_Howe');
      expect(Object.fromEntries(order.map((t) => [t, lordHowe(t)]))).toEqual(expected);
    }
  });

  it('refuses a format without a year and an unknown zone', () => {
    expect(() => compileTimeFormat('DD-MM', 'UTC')).toThrow('time format "DD-MM" has no YYYY token and is none of ISO8601, epoch_s, epoch_ms');
    expect(() => compileTimeFormat('DD-MM', 'UTC')).toThrow(TimeFormatError);
    expect(() => compileTimeFormat('YYYY', 'Mars/Olympus')).toThrow('unknown time zone "Mars/Olympus"');
  });
});

describe('ISO8601 (ISO 8601-1:2019 extended format, RFC 3339)', () => {
  const utc = compileTimeFormat('ISO8601', 'UTC');
  const paris = compileTimeFormat('ISO8601', 'Europe/Paris');

  it.each([
    ['2024-01-02T10:00:00+01:00', Date.UTC(2024, 0, 2, 9)],
    ['2024-01-02T10:00:00-05:30', Date.UTC(2024, 0, 2, 15, 30)],
    ['2024-01-02T10:00:00+0100', Date.UTC(2024, 0, 2, 9)],
    ['2024-01-02T10:00+01', Date.UTC(2024, 0, 2, 9)],
    ['2024-01-02T10:00:00Z', Date.UTC(2024, 0, 2, 10)],
    ['2024-01-02t10:00:00z', Date.UTC(2024, 0, 2, 10)],
    ['2024-01-02 10:00:00Z', Date.UTC(2024, 0, 2, 10)],
    ['2024-01-02T10:00:00.123Z', Date.UTC(2024, 0, 2, 10, 0, 0, 123)],
    ['2024-01-02T10:00:00,5Z', Date.UTC(2024, 0, 2, 10, 0, 0, 500)],
    ['2024-01-02T10:00:00.123456789+02:00', Date.UTC(2024, 0, 2, 8, 0, 0, 123)],
    ['2024-03-31T23:59:59.999-00:00', Date.UTC(2024, 2, 31, 23, 59, 59, 999)],
    ['1969-12-31T23:59:59.5Z', -500],
    ['2024-02-29T00:00Z', Date.UTC(2024, 1, 29)],
  ])('reads %s as that instant, whatever the zone', (text, ms) => {
    expect(utc(text)).toBe(ms);
    expect(paris(text)).toBe(ms);
  });

  it('reads times without an offset, and dates alone (midnight), in the configured zone', () => {
    expect(utc('2024-01-02')).toBe(Date.UTC(2024, 0, 2));
    expect(paris('2024-01-02')).toBe(Date.UTC(2024, 0, 1, 23));
    expect(paris('2024-07-02T10:00')).toBe(Date.UTC(2024, 6, 2, 8));
    expect(paris('2024-07-02T10:00:30.25')).toBe(Date.UTC(2024, 6, 2, 8, 0, 30, 250));
  });

  it.each([
    '2024-1-02', '2024-01-2', '24-01-02', '2024/01/02', '2024-02-30', '2023-02-29', '2024-13-01', '2024-01-00',
    '2024-01-02T', '2024-01-02T10', '2024-01-02T10:0', '2024-01-02T24:00', '2024-01-02T10:60', '2024-01-02T10:00:60',
    '2024-01-02T10:00:00.', '2024-01-02T10:00:00.1234567890Z', '2024-01-02T10:00.5Z', '2024-01-02Z', '2024-01-02T10:00:00+1',
    '2024-01-02T10:00:00+24:00', '2024-01-02T10:00:00+01:60', '2024-01-02T10:00:00 Z', '2024-01-02T10:00:00Z ', ' 2024-01-02', '',
    '2024-01-02_10:00',
  ])('rejects %p', (text) => expect(utc(text)).toBeNaN());
});

describe('epoch_s and epoch_ms (Unix time)', () => {
  const s = compileTimeFormat('epoch_s', 'Europe/Paris');
  const ms = compileTimeFormat('epoch_ms', 'America/New_York');

  it('reads seconds (with an optional fraction) and milliseconds as instants, whatever the zone', () => {
    expect(s('1704189600')).toBe(Date.UTC(2024, 0, 2, 10));
    expect(s('1704189600.123456')).toBe(Date.UTC(2024, 0, 2, 10, 0, 0, 123));
    expect(s('0')).toBe(0);
    expect(s('-1.5')).toBe(-1500);
    expect(ms('1704189600123')).toBe(Date.UTC(2024, 0, 2, 10, 0, 0, 123));
    expect(ms('-86400000')).toBe(Date.UTC(1969, 11, 31));
  });

  it.each([['', 's'], ['-', 's'], ['1.', 's'], ['1e9', 's'], ['+1', 's'], [' 1', 's'], ['1 ', 's'], ['1,5', 's'], ['8640000000001', 's'], ['12345678901234567', 's'],
    ['1.5', 'ms'], ['8640000000000001', 'ms'], ['0x10', 'ms']])('rejects %p (epoch_%s)', (text, unit) => {
    expect((unit === 's' ? s : ms)(text)).toBeNaN();
  });
});
