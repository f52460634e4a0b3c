/**
 * SIGTERM and SIGINT as an operator sends them, to the built CLI in a child
 * process: the command stops after its current step, or inside the long ones
 * (between the raw objects of an ingest, between draws of training steps),
 * records the run as interrupted, publishes nothing half-written and exits 143
 * or 130; a signal that comes while a step computes synchronously still stops
 * the command before the next step.
 */
import { execFile, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { jsonLogs, RETAIL_CONFIG, RETAIL_RAW, ROOT, runCli } from '../helpers/cli';

const CLI = join(ROOT, 'dist', 'cli', 'berserkr.js');
const MONTHS = readdirSync(RETAIL_RAW).filter((f) => f.endsWith('.csv.lzo'));

/** Every file under `dir`, relative to it. */
function files(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();
}

/** The run records of the lake's online-retail data set. */
function records(lake: string): Record<string, any>[] {
  const runs = join(lake, 'runs', 'online-retail');
  return readdirSync(runs).map((f) => JSON.parse(readFileSync(join(runs, f), 'utf8')));
}

/**
 * Runs `berserkr --log-format json <args>` and sends it `signal` once its stderr
 * holds `when`; resolves with its exit code and stderr once it exits.
 */
function interrupted(args: string[], when: string, signal: NodeJS.Signals): Promise<{ code: number | null; stderr: string; sent: boolean }> {
  const child = spawn(process.execPath, [CLI, '--log-format', 'json', ...args], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  let sent = false;
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    if (!sent && stderr.includes(when)) {
      sent = true;
      child.kill(signal);
    }
  });
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stderr, sent })));
}

describe('berserkr stopped by a signal', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'berserkr-signals-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('a signal that comes while a step computes synchronously stops the command before the next step', async () => {
    // The step sends the signal to its own process and returns without letting the event loop turn
    // (as a long synchronous computation would): the signal's handler has not run when the next step is asked for.
    const script = `
      const { openContext } = require(${JSON.stringify(join(ROOT, 'dist', 'cli', 'context.js'))});
      (async () => {
        const ctx = await openContext('ingest', { lake: ${JSON.stringify(join(dir, 'lake-sync'))}, config: ${JSON.stringify(RETAIL_CONFIG)}, logFormat: 'json', logLevel: 'silent' }, {});
        const steps = [];
        try {
          await ctx.run.step('compute', () => { process.kill(process.pid, 'SIGTERM'); steps.push('compute'); });
          await ctx.run.step('publish', () => steps.push('publish'));
        } catch (error) {
          steps.push(error.name + ': ' + error.message);
        }
        process.stdout.write(JSON.stringify(steps));
      })();
    `;
    const stdout = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, ['-e', script], { cwd: ROOT }, (error, out, err) => (error === null ? resolve(out) : reject(new Error(`${error.message}\n${err}`)))),
    );
    expect(JSON.parse(stdout)).toEqual([
      'compute',
      'RunInterruptedError: stopped before step "publish": received SIGTERM; every output published so far is complete, nothing of the remaining steps was written',
    ]);
  });

  test('SIGTERM during ingest stops it between raw objects: what it read is published, the run is recorded as interrupted, exit 143; the next ingest reads the rest', async () => {
    const raw = join(dir, 'raw-copies');
    const lake = join(dir, 'lake-ingest');
    // 52 objects, 4 copies of the 13 months: seconds of reading after the first object is read.
    for (const copy of ['c1', 'c2', 'c3', 'c4']) {
      mkdirSync(join(raw, copy), { recursive: true });
      for (const m of MONTHS) copyFileSync(join(RETAIL_RAW, m), join(raw, copy, m));
    }
    const objects = MONTHS.length * 4;
    const run = await interrupted(['ingest', '--raw', raw, '--lake', lake, '--config', RETAIL_CONFIG], '"msg":"read"', 'SIGTERM');
    expect(run.sent).toBe(true);
    expect(run.code).toBe(143);
    const logs = jsonLogs(run.stderr);
    expect(logs.map((l) => l.msg)).toEqual(expect.arrayContaining(['SIGTERM: stopping after the current step (send it again to exit now)', 'lock released']));

    // Published: the objects logged as ingested, no other, and no part the ledger does not list.
    const ingested = logs.filter((l) => l.msg === 'ingested');
    const ledger = JSON.parse(readFileSync(join(lake, 'ledger', 'online-retail.json'), 'utf8'));
    const published = Object.keys(ledger.objects).sort();
    expect(published).toEqual(ingested.map((l) => l.object).sort());
    expect(published.length).toBeGreaterThan(0);
    expect(published.length).toBeLessThan(objects);
    const listed = Object.values(ledger.objects).flatMap((e: any) => [...e.clean, ...e.rejects]).sort();
    expect(files(join(lake, 'clean')).map((f) => `clean/${f}`)).toEqual(listed.filter((k) => k.startsWith('clean/')));
    expect(files(lake).filter((f) => f.includes('.~tmp'))).toEqual([]);
    expect(existsSync(join(lake, 'locks', 'online-retail.json'))).toBe(false);

    const [record] = records(lake);
    expect(record).toMatchObject({ command: 'ingest', status: 'failed' });
    expect(record.steps.map((s: { name: string; status: string }) => `${s.name}:${s.status}`)).toEqual(['ingest:failed']);
    const notRead = objects - published.length;
    expect(record.errors[record.errors.length - 1]).toEqual({
      step: 'ingest',
      name: 'RunInterruptedError',
      message: expect.stringMatching(
        new RegExp(`^stopped during step "ingest" after reading ${published.length} of ${objects} new or changed raw objects: received SIGTERM; ${published.length} read whole (is|are) published; ${notRead} not read \\(.*\\) (is|are) left for the next run`),
      ),
    });
    expect(record.rows['ingest.read']).toBe(ingested.reduce((s, l) => s + (l.read as number), 0));
    expect(record.rows['ingest.not_read']).toBe(notRead);
    expect(record.inputs).toHaveLength(published.length);

    const next = await runCli(['--output', 'json', 'ingest', '--raw', raw, '--lake', lake, '--config', RETAIL_CONFIG]);
    expect(next.code).toBe(0);
    const summary = JSON.parse(next.stdout);
    expect([summary.unchanged.sort(), summary.ingested.length, summary.failed]).toEqual([published, notRead, []]);
  });

  test('a second SIGTERM exits at once, its JSON summary saying the run was killed and what it leaves', async () => {
    const raw = join(dir, 'raw-twice');
    const lake = join(dir, 'lake-twice');
    for (const copy of ['c1', 'c2']) {
      mkdirSync(join(raw, copy), { recursive: true });
      for (const m of MONTHS) copyFileSync(join(RETAIL_RAW, m), join(raw, copy, m));
    }
    const child = spawn(process.execPath, [CLI, '--log-format', 'json', '--output', 'json', 'ingest', '--raw', raw, '--lake', lake, '--config', RETAIL_CONFIG], { cwd: ROOT });
    let [stdout, stderr, sent] = ['', '', false];
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (!sent && stderr.includes('"msg":"read"')) {
        sent = true;
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGTERM'), 50);
      }
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect([sent, code]).toEqual([true, 143]);
    expect(jsonLogs(stderr).map((l) => l.msg)).toContain('SIGTERM again: exiting now');
    const lines = stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const [record] = records(lake);
    expect(JSON.parse(lines[0])).toEqual({
      command: 'ingest',
      runId: record.runId,
      status: 'killed',
      exitCode: 143,
      error: { name: 'ForcedExit', message: expect.stringMatching(/^SIGTERM again: exited at once; the run record stays "running" and the lock held until its lease ends/) },
    });
    expect(record.status).toBe('running');
  });

  test('SIGINT while the network trains on this thread stops the run between draws of steps, before anything of the model is saved: exit 130', async () => {
    const lake = join(dir, 'lake-train');
    const run = await interrupted(
      ['run', '--raw', RETAIL_RAW, '--lake', lake, '--config', RETAIL_CONFIG, '--train-cutoffs', '1', '--members', '1', '--train-threads', '1'],
      'epoch 1 of 3',
      'SIGINT',
    );
    expect(run.sent).toBe(true);
    expect(run.code).toBe(130);
    // Stopped inside the training, within the epoch after the one logged when the signal was sent.
    expect(jsonLogs(run.stderr).filter((l) => l.phase !== undefined).map((l) => `${l.phase} ${l.epoch}`)).toEqual(['train 1']);
    const [record] = records(lake);
    expect(record.status).toBe('failed');
    expect(record.steps.map((s: { name: string; status: string }) => `${s.name}:${s.status}`).slice(-1)).toEqual(['train:failed']);
    expect(record.errors[record.errors.length - 1]).toEqual({
      step: 'train',
      name: 'RunInterruptedError',
      message: expect.stringMatching(/^stopped during step "train" in member 1's train epoch 2 of 3: received SIGINT; every output published so far is complete, nothing of this step or the remaining ones was written$/),
    });
    // Nothing of the model, its scores or exports was written.
    expect(readdirSync(lake).filter((d) => d !== 'locks').sort()).toEqual(['clean', 'ledger', 'runs']);
    expect(existsSync(join(lake, 'locks', 'online-retail.json'))).toBe(false);
  });
});
