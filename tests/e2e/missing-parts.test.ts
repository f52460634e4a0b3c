/**
 * A clean or reject part gone from a folder lake (deleted by hand, lost): `ingest`
 * reads its raw object again although the object is unchanged, says which and why,
 * and the lake is whole again.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
});
