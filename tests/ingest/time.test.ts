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

  it('refuses a format without a year and an unknown zone', () => {
    expect(() => compileTimeFormat('DD-MM', 'UTC')).toThrow(TimeFormatError);
    expect(() => compileTimeFormat('YYYY', 'Mars/Olympus')).toThrow('unknown time zone "Mars/Olympus"');
  });
});
