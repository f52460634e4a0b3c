/**
 * A clean or reject part gone from a folder lake (deleted by hand, lost): `ingest`
 * reads its raw object again although the object is unchanged, says which and why,
 * and the lake is whole again. A reader (`train`) that meets a missing or damaged
 * clean part names it and says what to do, and doing it repairs the lake. `gc`
 * reports missing parts with what to do, and leaves them to `ingest`.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Catalog, MISSING_PARTS_REMEDY } from '../../lib/catalog';
import { FileStore } from '../../lib/store/file';
import { jsonLogs, RETAIL_CONFIG, RETAIL_RAW, runCli } from '../helpers/cli';

const MONTHS = ['2011-02.csv.lzo', '2011-12.csv.lzo'];

interface Entry {
  attempt: string;
  clean: string[];
  rejects: string[];
  counts: { read: number; clean: number };
}

describe('a part gone from the lake', () => {
  let dir: string;
  let raw: string;
  let lake: string;
  const ledger = (): Record<string, Entry> => JSON.parse(readFileSync(join(lake, 'ledger', 'online-retail.json'), 'utf8')).objects;
  const ingest = () => runCli(['--log-format', 'json', '--output', 'json', 'ingest', '--raw', raw, '--lake', lake, '--config', RETAIL_CONFIG]);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'berserkr-missing-parts-'));
    raw = join(dir, 'raw');
    lake = join(dir, 'lake');
    mkdirSync(raw);
    for (const month of MONTHS) copyFileSync(join(RETAIL_RAW, month), join(raw, month));
    expect((await runCli(['ingest', '--raw', raw, '--lake', lake, '--config', RETAIL_CONFIG])).code).toBe(0);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('ingest reads the unchanged raw object of a deleted clean part again, logs which and why, and the lake is whole again', async () => {
    const before = ledger();
    const gone = before['2011-02.csv.lzo'].clean[0];
    rmSync(join(lake, gone));

    const r = await ingest();
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary).toMatchObject({ status: 'ok', ingested: ['2011-02.csv.lzo'], unchanged: ['2011-12.csv.lzo'], partsMissing: [{ object: '2011-02.csv.lzo', parts: [gone] }], failed: [] });
    const warning = jsonLogs(r.stderr).find((l) => l.level === 'warn' && l.object === '2011-02.csv.lzo');
    expect(warning?.msg).toBe(`read file://${raw}/2011-02.csv.lzo again although it is unchanged: 1 of the parts the ledger lists for it is gone from the lake (file://${lake}/${gone})`);
    const record = JSON.parse(readFileSync(join(lake, 'runs', 'online-retail', `${summary.runId}.json`), 'utf8'));
    expect(record.rows['ingest.parts_missing']).toBe(1);

    const after = ledger();
    expect(after['2011-02.csv.lzo'].attempt).not.toBe(before['2011-02.csv.lzo'].attempt);
    expect(after['2011-02.csv.lzo'].counts).toEqual(before['2011-02.csv.lzo'].counts);
    expect(after['2011-12.csv.lzo']).toEqual(before['2011-12.csv.lzo']);
    for (const entry of Object.values(after)) for (const key of [...entry.clean, ...entry.rejects]) expect(existsSync(join(lake, key))).toBe(true);

    const again = await ingest();
    expect(JSON.parse(again.stdout)).toMatchObject({ ingested: [], unchanged: MONTHS, partsMissing: [] });
  });

  test('train names a missing or damaged clean part and says what to do; doing it repairs the lake', async () => {
    const train = () => runCli(['train', '--lake', lake, '--config', RETAIL_CONFIG]);
    const rows = async () => (await new Catalog(new FileStore(lake), 'online-retail').requireClean()).table.numRows;
    const all = await rows();
    const again = 'run berserkr ingest again: it re-reads the raw objects whose parts are missing';

    const gone = ledger()['2011-12.csv.lzo'].clean[0];
    rmSync(join(lake, gone));
    const missing = await train();
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`missing clean part of raw object "2011-12.csv.lzo": object not found: file://${lake}/${gone} (listed by the ledger file://${lake}/ledger/online-retail.json); ${again}`);
    expect((await ingest()).code).toBe(0);
    expect(await rows()).toBe(all);

    const damaged = ledger()['2011-02.csv.lzo'].clean[0];
    truncateSync(join(lake, damaged), 5000);
    const corrupt = await train();
    expect(corrupt.code).toBe(1);
    expect(corrupt.stderr).toMatch(new RegExp(`clean part of raw object "2011-02\\.csv\\.lzo" cannot be read: file://${join(lake, damaged).replace(/\./g, '\\.')} is not a readable Parquet file: Parquet error: .*; delete it and ${again}`));
    // Ingest alone does not notice a damaged part (that would take reading every part).
    expect(JSON.parse((await ingest()).stdout)).toMatchObject({ ingested: [], partsMissing: [] });
    rmSync(join(lake, damaged));
    expect(JSON.parse((await ingest()).stdout)).toMatchObject({ ingested: ['2011-02.csv.lzo'], partsMissing: [{ object: '2011-02.csv.lzo', parts: [damaged] }] });
    expect(await rows()).toBe(all);
  });

  test('gc reports a missing part with its raw object and what to do, exits 0, and leaves the part to ingest', async () => {
    const gc = (...flags: string[]) => runCli(['--log-format', 'json', ...flags, 'gc', '--lake', lake, '--config', RETAIL_CONFIG], { BERSERKR_LOCK_SETTLE: '100ms' });
    const ledgerFile = join(lake, 'ledger', 'online-retail.json');
    const gone = ledger()['2011-12.csv.lzo'].clean[0];
    rmSync(join(lake, gone));
    const before = readFileSync(ledgerFile, 'utf8');

    const text = await gc();
    expect(text.code).toBe(0);
    expect(text.stdout).toBe(
      'runs finished as killed or unknown: 0\ntemp files removed: 0\nuncommitted scoring runs removed: 0\nunused models removed: 0\nunreadable run records skipped: 0\nlatest export re-copied from run: none\n'
        + `parts the ledger lists that are missing from the lake: 1 (of 1 raw object)\n  file://${lake}/${gone} (raw object 2011-12.csv.lzo)\n  ${MISSING_PARTS_REMEDY}\n`,
    );
    const warning = jsonLogs(text.stderr).find((l) => l.level === 'warn' && l.stage === 'gc');
    expect(warning).toMatchObject({ partsMissing: 1, objects: 1, first: [{ part: `file://${lake}/${gone}`, object: '2011-12.csv.lzo' }] });
    expect(warning?.msg).toBe(
      `1 part(s) of 1 raw object(s) that the ledger file://${lake}/ledger/online-retail.json lists are missing from the lake, so reading them fails `
        + `(file://${lake}/${gone} of raw object 2011-12.csv.lzo): ${MISSING_PARTS_REMEDY}`,
    );

    const json = await gc('--output', 'json');
    expect(json.code).toBe(0);
    const summary = JSON.parse(json.stdout);
    expect(summary).toMatchObject({ status: 'ok', exitCode: 0, partsMissing: { count: 1, objects: 1, first: [{ part: `file://${lake}/${gone}`, object: '2011-12.csv.lzo' }], remedy: MISSING_PARTS_REMEDY } });
    expect(JSON.parse(readFileSync(join(lake, 'runs', 'online-retail', `${summary.runId}.json`), 'utf8')).rows['gc.parts_missing']).toBe(1);
    expect([existsSync(join(lake, gone)), readFileSync(ledgerFile, 'utf8')]).toEqual([false, before]);

    expect(JSON.parse((await ingest()).stdout)).toMatchObject({ ingested: ['2011-12.csv.lzo'], partsMissing: [{ object: '2011-12.csv.lzo', parts: [gone] }] });
    expect(JSON.parse((await gc('--output', 'json')).stdout).partsMissing).toEqual({ count: 0, objects: 0, first: [], remedy: null });
  });
});
