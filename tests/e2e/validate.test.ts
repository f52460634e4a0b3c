/**
 * `berserkr validate` as a user runs it before a first ingest: exit 0 when every
 * object passes, 3 when some fails, 2 for bad usage; a table or one JSON
 * document on stdout; nothing written, neither in the raw folder nor in a lake.
 */
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { ROOT, runCli } from '../helpers/cli';

const EXAMPLE = join(ROOT, 'config', 'examples');
const CONFIG = join(EXAMPLE, 'webshop.yaml');

/** Every file under `dir` with its size, modification time and content hash. */
function snapshot(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      const s = statSync(path);
      if (s.isDirectory()) walk(path);
      else files[relative(dir, path)] = `${s.size} ${s.mtimeMs} ${createHash('sha256').update(readFileSync(path)).digest('hex')}`;
    }
  };
  walk(dir);
  return files;
}

describe('berserkr validate', () => {
  let dir: string;
  let raw: string;
  let lake: string;
  let env: Record<string, string>;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'berserkr-validate-'));
    raw = join(dir, 'raw');
    cpSync(join(EXAMPLE, 'webshop'), raw, { recursive: true });
    lake = join(dir, 'lake');
    mkdirSync(join(lake, 'runs'), { recursive: true });
    writeFileSync(join(lake, 'runs', 'earlier.json'), '{}');
    // A lake the other commands would write to: validate must not touch it.
    env = { BERSERKR_LAKE: lake };
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('prints a table and exits 0 when every object passes, writing nothing', async () => {
    const before = [snapshot(raw), snapshot(lake)];
    const r = await runCli(['validate', '--config', CONFIG, '--raw', raw], env);
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(/^object\s+format \(detected\)\s+header\s+lines\s+clean\s+rejected\s+time range \(UTC\)\s+result$/);
    expect(lines[1]).toMatch(/^orders-2024-01\.csv\.gz\s+gzip \(gzip\)\s+ok, extra Coupon_Code\s+25\s+24\s+1 \(duplicate 1\)\s+2024-01-01T07:00:00\.000Z \.\. 2024-01-28T10:45:45\.000Z\s+pass$/);
    expect(lines[2]).toMatch(/^orders-2024-02\.csv\s+none \(text\)\s+ok, extra Coupon_Code\s+25\s+24\s+1 \(duplicate 1\)\s+.*\s+pass$/);
    expect(r.stdout).toContain('skipped make-sample.sh: does not match raw.pattern "**/orders-*.csv*" (case-insensitive)');
    expect(r.stdout).toContain('2 objects: 2 pass, 0 fail; 1 skipped; first 10000 data lines of each, reject budget 0.05: pass');
    expect([snapshot(raw), snapshot(lake)]).toEqual(before);
  });

  it('prints one JSON summary on stdout with --output json', async () => {
    const r = await runCli(['--log-format', 'json', '--output', 'json', 'validate', '--config', CONFIG, '--raw', raw, '--sample', '10'], env);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({ command: 'validate', status: 'ok', exitCode: 0, config: { name: 'webshop', pattern: '**/orders-*.csv*' }, sampleLines: 10, pass: true, runBudget: null });
    expect(report.objects.map((o: { key: string; counts: { read: number }; whole: boolean }) => [o.key, o.counts.read, o.whole])).toEqual([
      ['orders-2024-01.csv.gz', 10, false],
      ['orders-2024-02.csv', 10, false],
    ]);
    expect(report.skipped).toEqual([{ key: 'make-sample.sh', reason: 'does not match raw.pattern "**/orders-*.csv*" (case-insensitive)' }]);
  });

  it('exits 3 when some object fails, naming it and why, writing nothing', async () => {
    const bad = join(dir, 'raw-bad');
    cpSync(raw, bad, { recursive: true });
    writeFileSync(join(bad, 'orders-2024-03.csv'), 'order_ref,customer,sku,ordered_at,units,price_eur,channel\nW1,C1,TEA-001,2024-03-01,1,4.50,web\n');
    const before = [snapshot(bad), snapshot(lake)];
    const r = await runCli(['validate', '--config', CONFIG, '--raw', bad], env);
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/\norders-2024-03\.csv\s+none \(text\)\s+mismatch\s+-\s+-\s+-\s+-\s+FAIL\n/);
    expect(r.stdout).toContain('FAIL orders-2024-03.csv: line 1: header does not match the configuration: missing columns "customer_no"');
    expect(r.stdout).toContain('3 objects: 2 pass, 1 fail; 1 skipped;');
    expect([snapshot(bad), snapshot(lake)]).toEqual(before);
  });

  it('shows a record that swallowed the rest of its object as read whole, quoting only its start', async () => {
    const stray = join(dir, 'raw-stray');
    mkdirSync(stray);
    const lines = Array.from({ length: 2000 }, (_, i) => `W${i},C001,TEA-001,2024-03-01T08:00:00Z,1,4.50,${i === 2 ? '"web' : 'web'},`);
    writeFileSync(join(stray, 'orders-2024-03.csv'), `Order_Ref,Customer_No,SKU,Ordered_At,Units,Price_EUR,Channel,Coupon_Code\n${lines.join('\n')}\n`);
    const r = await runCli(['validate', '--config', CONFIG, '--raw', stray, '--sample', '100'], env);
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/\norders-2024-03\.csv\s+none \(text\)\s+ok, extra Coupon_Code\s+2000\s+2\s+1998 \(unterminated_quote 1998\)\s/);
    expect(r.stdout).toMatch(/\n {2}line 4: unterminated_quote[^\n]*: "W2,C001,[^\n]{400,} … \(\d+ more characters\)\n/);
    expect(r.stdout.length).toBeLessThan(4000);
  });

  it('exits 3 when no object is taken', async () => {
    const empty = join(dir, 'raw-empty');
    mkdirSync(empty);
    writeFileSync(join(empty, 'notes.txt'), 'nothing here');
    const r = await runCli(['validate', '--config', CONFIG, '--raw', empty], env);
    expect(r.code).toBe(3);
    expect(r.stdout).toContain(`FAIL: no object under file://${empty} is taken by raw.pattern "**/orders-*.csv*" (1 skipped)`);
  });

  it('exits 2 for bad usage: a bad flag value, an unreadable or invalid configuration, a missing raw folder', async () => {
    const invalid = join(dir, 'invalid.yaml');
    writeFileSync(invalid, 'name: Web Shop\n');
    const cases: [string[], string][] = [
      [['--config', CONFIG, '--raw', raw, '--sample', '0'], 'expected a positive integer, got "0"'],
      [['--config', CONFIG, '--raw', raw, '--max-reject-ratio', '2'], 'expected a decimal number from 0 to 1 such as 0.05, got "2"'],
      [['--config', join(dir, 'no-such.yaml'), '--raw', raw], 'no-such.yaml'],
      [['--config', invalid, '--raw', raw], 'invalid data-set configuration'],
      [['--config', CONFIG, '--raw', join(dir, 'no-such-raw')], `--raw ${JSON.stringify(join(dir, 'no-such-raw'))}: no such folder`],
    ];
    for (const [args, message] of cases) {
      const r = await runCli(['validate', ...args], env);
      expect([args, r.code]).toEqual([args, 2]);
      expect(r.stderr).toContain(message);
      expect(r.stdout).toBe('');
    }
  });

  it('exits 1 with one JSON summary when the raw location cannot be read', async () => {
    // Nothing listens on port 1: listing the raw bucket fails after the SDK's retries.
    const s3 = { AWS_ENDPOINT_URL: 'http://127.0.0.1:1', AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'y', AWS_REGION: 'us-east-1' };
    const r = await runCli(['validate', '--config', CONFIG, '--raw', 's3://raw/orders', '--output', 'json'], { ...env, ...s3 });
    expect(r.code).toBe(1);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0])).toMatchObject({ command: 'validate', runId: null, status: 'failed', exitCode: 1, error: { message: expect.stringContaining('cannot list s3://raw/orders/') } });
    expect(r.stderr).toContain('ECONNREFUSED');
  });

  it('--help describes the command with an example', async () => {
    const r = await runCli(['validate', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: berserkr validate [options]');
    expect(r.stdout).toContain('--sample <n>');
    expect(r.stdout).toContain('berserkr validate --config config/examples/webshop.yaml --raw config/examples/webshop');
  });
});
