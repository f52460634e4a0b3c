import { numberReaders, parseDecimal, parseInt32 } from '../../ingest/numbers';
import { FieldTransform, isBlank } from '../../ingest/transform';

const bytes = (s: string) => Buffer.from(`[${s}]`, 'utf8');
const decimal = (s: string) => parseDecimal(bytes(s), 1, bytes(s).length - 1);
const int32 = (s: string) => parseInt32(bytes(s), 1, bytes(s).length - 1);

describe('parseDecimal reads bytes exactly as Number(text)', () => {
  it.each(['2.55', '0', '-0', '+4.1', '1.', '.5', '0.1', '38970', '-11062.06', '1e3', '2.5E-3', '123456789012345', '1234567890123456789', '0.000000000000000000000000123', '1e300', '9007199254740993', '4.35', '0.30000000000000004'])(
    '%s',
    (s) => expect(Object.is(decimal(s), Number(s))).toBe(true),
  );

  it('agrees with Number on 20,000 seeded random prices', () => {
    let seed = 7;
    const r = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
    for (let i = 0; i < 20_000; i++) {
      const s = `${r() < 0.1 ? '-' : ''}${Math.floor(r() * 10 ** Math.floor(r() * 9))}.${String(Math.floor(r() * 10 ** Math.floor(r() * 8)))}`;
      expect(decimal(s)).toBe(Number(s));
    }
  });

  it.each(['', '-', '.', 'e5', '1e', '1e+', '1.2.3', ' 1', '1 ', '0x10', 'Infinity', 'NaN', '1,5', '£2'])('rejects %p', (s) => expect(decimal(s)).toBeNaN());
});

describe('parseInt32', () => {
  it('reads optional sign and digits within int32', () => {
    expect(['6', '-12', '+3', '2147483647', '-2147483648', '007'].map(int32)).toEqual([6, -12, 3, 2147483647, -2147483648, 7]);
  });

  it.each(['', '-', '2147483648', '-2147483649', '1.0', '1e3', ' 1', '12x'])('rejects %p', (s) => expect(int32(s)).toBeNaN());
});

describe('numberReaders', () => {
  const readers = (decimal: string, thousands?: string) => {
    const r = numberReaders({ decimal: decimal.charCodeAt(0), thousands: thousands === undefined ? -1 : thousands.charCodeAt(0) });
    return { decimal: (s: string) => r.decimal(bytes(s), 1, bytes(s).length - 1), int32: (s: string) => r.int32(bytes(s), 1, bytes(s).length - 1) };
  };

  it('reads the plain format with parseDecimal and parseInt32 themselves', () => {
    expect(numberReaders({ decimal: 0x2e, thousands: -1 })).toEqual({ decimal: parseDecimal, int32: parseInt32 });
  });

  it('reads a decimal comma and a thousands point, grouped by three or not at all', () => {
    const { decimal, int32 } = readers(',', '.');
    expect(['4,50', '1.234,5', '-1.234.567,25', '+12', '1234,5', ',5', '0,1', '1,5e3', '999.999.999,999'].map(decimal)).toEqual([4.5, 1234.5, -1234567.25, 12, 1234.5, 0.5, 0.1, 1500, 999999999.999]);
    expect(['1.000', '-2.147.483.648', '12'].map(int32)).toEqual([1000, -2147483648, 12]);
  });

  it.each(['4.50', '0.125', '00.001', '-0.5', '12.34,5', '1.2345', '1234.567', '.123', '1..234', '1.234.', '1,2,3', '1,234.5', '1,5.', '', '-', ' 1', '1.234,5 '])('reads %p in the decimal comma format as NaN', (s) => {
    expect(readers(',', '.').decimal(s)).toBeNaN();
  });

  it('reads a quantity with a decimal separator as NaN, as the plain format does', () => {
    expect(readers(',', '.').int32('1,5')).toBeNaN();
    expect(readers(',').int32('1.000')).toBeNaN();
  });

  it('reads thousands commas, spaces and apostrophes before a decimal point', () => {
    expect(['1,234.50', '1,234,567', '-0.5', '12'].map(readers('.', ',').decimal)).toEqual([1234.5, 1234567, -0.5, 12]);
    expect(readers('.', ',').decimal('1,23')).toBeNaN();
    expect(readers('.', ',').decimal('0,125')).toBeNaN();
    expect(readers('.', ',').decimal('1,000,000')).toBe(1000000);
    expect(readers('.', ' ').decimal('1 234 567.5')).toBe(1234567.5);
    expect(readers('.', "'").decimal("1'234.5")).toBe(1234.5);
    expect(readers(',').decimal('1234,5')).toBe(1234.5);
  });

  it('agrees with Number on 20,000 seeded random prices written with a decimal comma and thousands points', () => {
    const { decimal } = readers(',', '.');
    let seed = 11;
    const r = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
    const group = (digits: string) => digits.replace(/\B(?=(\d{3})+$)/g, '.');
    for (let i = 0; i < 20_000; i++) {
      const whole = String(Math.floor(r() * 10 ** Math.floor(r() * 12)));
      const fraction = String(Math.floor(r() * 10 ** Math.floor(r() * 6)));
      const sign = r() < 0.1 ? '-' : '';
      expect(decimal(`${sign}${r() < 0.5 ? group(whole) : whole},${fraction}`)).toBe(Number(`${sign}${whole}.${fraction}`));
    }
  });

  it('refuses one byte for both separators', () => {
    expect(() => numberReaders({ decimal: 0x2c, thousands: 0x2c })).toThrow('the thousands separator must differ from the decimal separator, both are ","');
  });
});

describe('FieldTransform gives the String method results on bytes', () => {
  const apply = (kind: 'none' | 'upper' | 'lower' | 'trim', s: string) => {
    const t = new FieldTransform(kind).apply(bytes(s), 1, bytes(s).length - 1);
    return Buffer.from(t.bytes.subarray(t.begin, t.end)).toString('utf8');
  };
  it.each(['85123a', 'gift_0001_20', 'crème brûlée', 'straße', '  Whole Milk\t', '\u00a0x\u00a0', '\ufeffy', 'ǅ', ''])('%p', (s) => {
    expect(apply('none', s)).toBe(s);
    expect(apply('upper', s)).toBe(s.toUpperCase());
    expect(apply('lower', s)).toBe(s.toLowerCase());
    expect(apply('trim', s)).toBe(s.trim());
  });
});

describe('isBlank is /^\\s*$/u on bytes', () => {
  it.each(['', ' ', '\t', ' \r\n ', '\u00a0', ' \u3000\ufeff\u2009 ', '\u2028', 'x', ' x ', '\u00a0x', '\u200b', '\u0085', '\u0000', 'é'])('%p', (s) => {
    const b = bytes(s);
    expect(isBlank(b, 1, b.length - 1)).toBe(/^\s*$/u.test(s));
  });
});
