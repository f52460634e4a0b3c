/** Option parsers of cli/options.ts (strict ISO 8601 as-of times, seeds and thread counts), and the help of a training's options. */
import { InvalidArgumentError } from 'commander';
import { buildProgram } from '../../cli/berserkr';
import { defaultEncoderThreads } from '../../lib/parquet-encoder';
import { parseInstant, parseIntervalOption, parseNonNegativeInt, parsePositiveInt, parseRatio, parseSeed, parseTopK } from '../../cli/options';

describe('parseInstant (--as-of)', () => {
  test.each([
    ['2011-11-09', '2011-11-09T00:00:00.000Z'],
    ['2011-11-09T10:00', '2011-11-09T10:00:00.000Z'],
    ['2011-11-09T10:00:30', '2011-11-09T10:00:30.000Z'],
    ['2011-11-09T10:00:30.5', '2011-11-09T10:00:30.500Z'],
    ['2011-11-09T10:00:30.123456789Z', '2011-11-09T10:00:30.123Z'],
    ['2011-11-09T10:00Z', '2011-11-09T10:00:00.000Z'],
    ['2011-11-09T10:00:00+02:00', '2011-11-09T08:00:00.000Z'],
    ['2011-11-09T00:30:00-01:30', '2011-11-09T02:00:00.000Z'],
    ['2012-02-29', '2012-02-29T00:00:00.000Z'],
    ['2000-02-29', '2000-02-29T00:00:00.000Z'],
  ])('reads %s as %s (no zone means UTC)', (value, iso) => {
    expect(new Date(parseInstant(value)).toISOString()).toBe(iso);
  });

  test.each([
    ['2011-02-30', 'is not a calendar date'],
    ['2011-02-29', 'is not a calendar date'],
    ['1900-02-29', 'is not a calendar date'],
    ['2011-13-01', 'is not a calendar date'],
    ['2011-11-00', 'is not a calendar date'],
    ['2011-11-09T24:00', 'hours run to 23'],
    ['2011-11-09T10:60', 'minutes and seconds to 59'],
    ['2011-11-09T10:00:60Z', 'minutes and seconds to 59'],
    ['2011-11-09T10:00+24:00', 'zone offset +24:00 is out of range'],
    ['1', ''],
    ['2011', ''],
    ['2011-11-9', ''],
    ['2011-11-09 10:00', ''],
    ['2011-11-09T10', ''],
    ['2011-11-09T10:00+0200', ''],
    ['yesterday', ''],
    ['', ''],
  ])('refuses %j, quoting it', (value, why) => {
    expect(() => parseInstant(value)).toThrow(InvalidArgumentError);
    expect(() => parseInstant(value)).toThrow(`got "${value}"${why ? ': ' : ''}`);
    if (why) expect(() => parseInstant(value)).toThrow(why);
  });
});

describe('parseSeed (--seed)', () => {
  test.each([['0', 0], ['42', 42], ['4294967295', 4294967295]])('accepts %s', (value, n) => {
    expect(parseSeed(value)).toBe(n);
  });

  test.each(['-1', '4294967296', '1.5', '1e3', ' 7', '', 'x'])('refuses %j, quoting it', (value) => {
    expect(() => parseSeed(value)).toThrow(`expected an integer from 0 to 4294967295, got "${value}"`);
  });
});

describe('parseNonNegativeInt (--encode-threads)', () => {
  test.each([['0', 0], ['1', 1], ['16', 16]])('accepts %s', (value, n) => {
    expect(parseNonNegativeInt(value)).toBe(n);
  });

  test.each(['-1', '1.5', '', ' ', 'x', '0x2', '1e3', '0b11', '1.0'])('refuses %j, quoting it', (value) => {
    expect(() => parseNonNegativeInt(value)).toThrow(`expected an integer of 0 or more, got "${value}"`);
  });
});

describe('parseIntervalOption (--poll-interval)', () => {
  it('takes a duration up to what a timer holds, quoting a longer one', () => {
    expect(parseIntervalOption('60s')).toBe(60_000);
    expect(parseIntervalOption('24d')).toBe(24 * 86_400_000);
    expect(() => parseIntervalOption('30d')).toThrow('expected at most 24d (what a timer holds), got "30d"');
  });
});

describe('parseRatio (--min-probability, --max-reject-ratio)', () => {
  it.each([['0', 0], ['1', 1], ['0.05', 0.05], ['.5', 0.5], ['1.000', 1], ['0.', 0]])('reads %p as %p', (value, n) => {
    expect(parseRatio(value)).toBe(n);
  });
  it.each(['0x1', '1e-1', ' 0.5', '0.5 ', '', '-0', '1.5', 'NaN', 'Infinity', '+0.5', '0,5'])('refuses %p, quoting it', (value) => {
    expect(() => parseRatio(value)).toThrow(new InvalidArgumentError(`expected a decimal number from 0 to 1 such as 0.05, got "${value}"`));
  });
});

describe('parseTopK (--top-k)', () => {
  it('takes 1 to 1000 items per customer, quoting a value outside', () => {
    expect([parseTopK('1'), parseTopK('1000')]).toEqual([1, 1000]);
    expect(() => parseTopK('1001')).toThrow('expected at most 1000 items per customer, got "1001"');
    expect(() => parseTopK('0')).toThrow('expected a positive integer, got "0"');
  });
});

describe('the help of the options of a training', () => {
  const help = (command: string, flag: string): string | undefined =>
    buildProgram().commands.find((c) => c.name() === command)!.options.find((o) => o.long === flag)?.description;

  test.each(['train', 'run', 'schedule', 'backtest'])('%s says what --top-k and --train-cutoffs are there', (command) => {
    expect(help(command, '--top-k')).toContain('the length of the lists validation, promotion (NDCG@K) and evaluation judge');
    expect(help(command, '--train-cutoffs')).toContain('--cutoff-step days apart');
  });
});

describe('parsePositiveInt (--limit, --train-groups …)', () => {
  test.each([['1', 1], ['10', 10], ['012', 12]])('accepts %s', (value, n) => {
    expect(parsePositiveInt(value)).toBe(n);
  });

  test.each(['0', '-1', '1.5', '', 'x', '0x2', '1e3', '0b11', '1.0', '99999999999999999999'])('refuses %j, quoting it', (value) => {
    expect(() => parsePositiveInt(value)).toThrow(`expected a positive integer, got "${value}"`);
  });
});

describe('the encoder threads by default', () => {

  it('defaults to an encoder thread only with 2 CPUs or more', () => {
    expect(defaultEncoderThreads(1)).toBe(0);
    expect(defaultEncoderThreads(2)).toBe(1);
    expect(defaultEncoderThreads(8)).toBe(1);
  });
});
