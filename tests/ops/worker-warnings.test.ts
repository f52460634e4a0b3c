/**
 * The process warnings of worker threads (a thread opening its own S3 client
 * gets the AWS SDK's notice about the Node version) reach the command's logger,
 * as the main thread's do: JSON logs stay all JSON, and pretty logs show each
 * warning once, as a WARN line.
 */
import { execFile } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import { createLogger, routeProcessWarnings } from '../../lib/log';
import { emitWorkerWarning, isWorkerWarning, postWarningsToParent, type WorkerWarningMessage } from '../../lib/worker-warnings';
import { ROOT } from '../helpers/cli';

const FIXTURE = join(ROOT, 'tests', 'fixtures', 'workers', 'emit-warning');

/**
 * A process with the command logger (`commandLogger`, format `format`) that starts
 * a thread (`startWorker`) emitting one warning, whose other messages (`onWorkerMessage`)
 * it prints on stdout, and a pool of two (`startPool`)
 * whose four tasks emit another, then exits.
 */
const SCRIPT = `
const { commandLogger } = require('./cli/context');
const { onWorkerMessage, startWorker } = require('./lib/worker');
const { startPool } = require('./lib/worker-pool');
commandLogger({ logFormat: process.argv[1], logLevel: 'info' }, 'test').info('started');
(async () => {
  const worker = startWorker(${JSON.stringify(FIXTURE)}, { workerData: { warning: 'warning of a thread' } });
  const messages = [];
  onWorkerMessage(worker, (message) => messages.push(message));
  await new Promise((resolve) => worker.once('exit', resolve));
  process.stdout.write(JSON.stringify(messages));
  const pool = startPool(${JSON.stringify(FIXTURE)}, { threads: 2 });
  await Promise.all([1, 2, 3, 4].map(() => pool.run('warning of a pool task')));
  await pool.destroy();
})();
`;

/** Runs {@link SCRIPT} from the sources (ts-node) with log format `format`: its stderr, and the messages of its thread. */
function run(format: 'json' | 'pretty'): Promise<{ stderr: string; messages: unknown[] }> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', SCRIPT, format], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' } }, (error, stdout, stderr) =>
      error === null ? resolve({ stderr, messages: JSON.parse(stdout) as unknown[] }) : reject(new Error(`${error.message}\n${stderr}`)),
    );
  });
}

describe('process warnings of worker threads', () => {
  test('under --log-format json, stderr is all JSON lines, each warning one warn record', async () => {
    const { stderr, messages } = await run('json');
    expect(messages).toEqual(['done']); // the thread's own messages, without its warning
    const lines = stderr.split('\n').filter((l) => l !== '');
    expect(lines.filter((l) => !l.startsWith('{'))).toEqual([]);
    const warnings = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((r) => r.level === 'warn');
    expect(warnings).toEqual([
      expect.objectContaining({ command: 'test', warning: { name: 'Warning', code: 'BERSERKR_TEST' }, msg: 'warning of a thread' }),
      expect.objectContaining({ command: 'test', warning: { name: 'Warning', code: 'BERSERKR_TEST' }, msg: 'warning of a pool task' }),
    ]);
  });

  test('in pretty logs, each warning appears once, as a WARN line', async () => {
    const { stderr } = await run('pretty');
    for (const text of ['warning of a thread', 'warning of a pool task']) {
      expect(stderr.split('\n').filter((l) => l.includes(text))).toEqual([expect.stringMatching(new RegExp(`^\\d{2}:\\d{2}:\\d{2}\\.\\d{3} WARN  ${text} command=test warning=`))]);
    }
    expect(stderr).not.toMatch(/\(node:\d+\)/);
  });
});

describe('worker-warnings', () => {
  test('a worker posts its warnings to the parent instead of printing them, and the parent emits them as its own', () => {
    const posted: unknown[] = [];
    const proc = new EventEmitter();
    proc.on('warning', () => undefined); // Node's printer, which it replaces
    postWarningsToParent({ postMessage: (m: unknown) => posted.push(m) }, proc);
    proc.emit('warning', Object.assign(new Error('Buffer() is deprecated'), { name: 'DeprecationWarning', code: 'DEP0005' }));
    proc.emit('warning', Object.assign(new Error('plain'), { name: 'Warning' }));
    expect(proc.listenerCount('warning')).toBe(1);
    expect(posted).toEqual([
      { type: 'worker-warning', name: 'DeprecationWarning', message: 'Buffer() is deprecated', code: 'DEP0005' },
      { type: 'worker-warning', name: 'Warning', message: 'plain' },
    ]);
    expect(posted.every(isWorkerWarning)).toBe(true);

    const emitted: Error[] = [];
    const parent = { emitWarning: (w: string | Error) => void emitted.push(w as Error) };
    expect(emitWorkerWarning(posted[0], parent)).toBe(true);
    expect(emitWorkerWarning({ type: 'renewed' }, parent)).toBe(false);
    expect(emitted.map((e) => ({ name: e.name, message: e.message, code: (e as Error & { code?: string }).code }))).toEqual([{ name: 'DeprecationWarning', message: 'Buffer() is deprecated', code: 'DEP0005' }]);
  });

  test('the main thread logs a warning it has logged already (from another thread) once', () => {
    const lines: string[] = [];
    const proc = new EventEmitter();
    routeProcessWarnings(createLogger({ format: 'json', sink: { write: (l) => lines.push(l) } }), proc);
    const warning = (): WorkerWarningMessage => ({ type: 'worker-warning', name: 'Warning', message: 'NodeVersionSupportWarning: upgrade\nto node >=22' });
    for (let i = 0; i < 3; i++) emitWorkerWarning(warning(), { emitWarning: (w) => void proc.emit('warning', w) });
    proc.emit('warning', Object.assign(new Error('NodeVersionSupportWarning: upgrade to node >=22'), { name: 'Warning' }));
    proc.emit('warning', Object.assign(new Error('another'), { name: 'Warning' }));
    expect(lines.map((l) => (JSON.parse(l) as { msg: string }).msg)).toEqual(['NodeVersionSupportWarning: upgrade to node >=22', 'another']);
  });
});
