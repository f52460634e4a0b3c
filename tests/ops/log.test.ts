import { EventEmitter } from 'node:events';
import { LogOptionError, REDACTED, createLogger, formatPrettyLine, parseLogFormat, parseLogLevel, routeProcessWarnings } from '../../lib/log';

/** Collects what the logger writes. */
function capture(): { sink: { write(chunk: string): void }; lines: () => string[] } {
  const chunks: string[] = [];
  return { sink: { write: (chunk: string) => void chunks.push(chunk) }, lines: () => chunks.join('').split('\n').filter((l) => l !== '') };
}

const SECRETS = {
  AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  password: 'hunter2',
  s3: { region: 'eu-west-1', secretAccessKey: 'sak-1', headers: { authorization: 'AWS4-HMAC-SHA256 Credential=x' } },
  client: { config: { credentials: { accessKeyId: 'AKIA', secretAccessKey: 'sak-2' } } },
};

describe('createLogger json', () => {
  it('writes one JSON object per line with level label, ISO time and fields', () => {
    const { sink, lines } = capture();
    const log = createLogger({ format: 'json', sink });
    log.child({ stage: 'ingest' }).info({ key: '2011-01.csv.lzo', rows: 40_000 }, 'read object');
    const [line, ...rest] = lines();
    expect(rest).toEqual([]);
    const record = JSON.parse(line) as Record<string, unknown>;
    expect(record).toMatchObject({ level: 'info', stage: 'ingest', key: '2011-01.csv.lzo', rows: 40_000, msg: 'read object' });
    expect(record.time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    expect(typeof record.pid).toBe('number');
  });

  it('redacts secrets at the top level, nested, in child bindings, and keeps the rest', () => {
    const { sink, lines } = capture();
    const log = createLogger({ format: 'json', sink });
    log.child({ MINIO_ROOT_PASSWORD: 'minio-secret' }).warn(SECRETS, 'connecting');
    const text = lines().join('\n');
    for (const secret of ['wJalrXUtnFEMI', 'hunter2', 'sak-1', 'sak-2', 'AWS4-HMAC', 'minio-secret']) expect(text).not.toContain(secret);
    const record = JSON.parse(lines()[0]) as typeof SECRETS & { MINIO_ROOT_PASSWORD: string };
    expect(record.AWS_SECRET_ACCESS_KEY).toBe(REDACTED);
    expect(record.password).toBe(REDACTED);
    expect(record.MINIO_ROOT_PASSWORD).toBe(REDACTED);
    expect(record.s3).toEqual({ region: 'eu-west-1', secretAccessKey: REDACTED, headers: { authorization: REDACTED } });
    expect(record.client.config.credentials).toBe(REDACTED);
    expect(SECRETS.password).toBe('hunter2'); // the caller's object is untouched
  });

  it('keeps the cause of an error apart, and its message with the causes', () => {
    const { sink, lines } = capture();
    const err = new Error('cannot read s3://lake/x', { cause: new Error('socket hang up', { cause: new Error('ECONNRESET') }) });
    createLogger({ format: 'json', sink }).error({ err }, 'failed');
    expect(JSON.parse(lines()[0]).err).toMatchObject({ type: 'Error', message: 'cannot read s3://lake/x: socket hang up: ECONNRESET', cause: 'socket hang up: ECONNRESET' });
  });

  it('carries process warnings as warn records, one JSON line each, instead of Node\'s plain text', () => {
    const { sink, lines } = capture();
    const proc = new EventEmitter();
    proc.on('warning', () => undefined); // Node's printer, which it replaces
    routeProcessWarnings(createLogger({ format: 'json', sink }), proc);
    const warning = Object.assign(new Error('NodeVersionSupportWarning: The AWS SDK for JavaScript (v3)\nwill require node >=22.\n\nMore information'), { name: 'Warning', code: 'SDK_NODE' });
    proc.emit('warning', warning);
    expect(proc.listenerCount('warning')).toBe(1);
    expect(lines().map((l) => JSON.parse(l))).toEqual([
      expect.objectContaining({ level: 'warn', warning: { name: 'Warning', code: 'SDK_NODE' }, msg: 'NodeVersionSupportWarning: The AWS SDK for JavaScript (v3) will require node >=22. More information' }),
    ]);
  });

  it('drops records below the level', () => {
    const { sink, lines } = capture();
    const log = createLogger({ format: 'json', level: 'warn', sink });
    log.info('hidden');
    log.error('shown');
    expect(lines().map((l) => (JSON.parse(l) as { msg: string }).msg)).toEqual(['shown']);
  });
});

describe('createLogger pretty', () => {
  it('writes one readable line per record, without pid or hostname', () => {
    const { sink, lines } = capture();
    const log = createLogger({ format: 'pretty', sink, colors: false });
    log.child({ stage: 'ingest' }).info({ key: '2011-01.csv.lzo', rows: 40_000, note: 'two words' }, 'read object');
    expect(lines()).toHaveLength(1);
    expect(lines()[0]).toMatch(/^\d{2}:\d{2}:\d{2}\.\d{3} INFO  \[ingest\] read object key=2011-01.csv.lzo rows=40000 note="two words"$/);
  });

  it('redacts secrets too', () => {
    const { sink, lines } = capture();
    createLogger({ format: 'pretty', sink, colors: false }).info(SECRETS, 'connecting');
    expect(lines()[0]).toContain(`password=${REDACTED}`);
    expect(lines()[0]).not.toContain('hunter2');
  });

  it('shows an error in one line with its type, message and cause; its stack only when asked', () => {
    const err = new RangeError('as-of 2011-13-01 is not a date');
    const quiet = capture();
    createLogger({ format: 'pretty', sink: quiet.sink, colors: false }).error({ err }, 'features failed');
    expect(quiet.lines()).toEqual([expect.stringMatching(/ERROR features failed err=RangeError: as-of 2011-13-01 is not a date$/)]);

    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9000'), { code: 'ECONNREFUSED' });
    const store = new Error('cannot list s3://lake/runs/: connection refused', { cause: refused });
    const one = capture();
    createLogger({ format: 'pretty', sink: one.sink, colors: false }).error({ err: store }, store.message);
    expect(one.lines()).toEqual([expect.stringMatching(/ERROR cannot list s3:\/\/lake\/runs\/: connection refused \(cause: connect ECONNREFUSED 127\.0\.0\.1:9000\)$/)]);

    const verbose = capture();
    createLogger({ format: 'pretty', sink: verbose.sink, colors: false, stacks: true }).error({ err: store }, store.message);
    const [first, ...stack] = verbose.lines();
    expect(first).toBe(one.lines()[0].replace(/^\S+/, first.split(' ')[0]));
    expect(stack[0]).toMatch(/^ {4}at /);
    expect(stack.join('\n')).toContain('caused by: Error: connect ECONNREFUSED');
  });

  it('shows stacks at level debug', () => {
    const { sink, lines } = capture();
    createLogger({ format: 'pretty', sink, colors: false, level: 'debug' }).error({ err: new Error('boom') }, 'failed');
    expect(lines().length).toBeGreaterThan(1);
  });

  it('writes through enabled progress bars, so lines appear above them', () => {
    const written: string[] = [];
    const progress = { enabled: true, bar: () => ({ increment() {}, setTotal() {}, stop() {} }), write: (t: string) => void written.push(t) };
    const { sink, lines } = capture();
    createLogger({ format: 'pretty', sink, progress, colors: false }).info('step done');
    expect(lines()).toEqual([]);
    expect(written).toHaveLength(1);
    expect(written[0]).toMatch(/^\d{2}:\d{2}:\d{2}\.\d{3} INFO  step done\n$/);
    createLogger({ format: 'pretty', sink, progress: { ...progress, enabled: false }, colors: false }).info('direct');
    expect(lines()[0]).toMatch(/INFO  direct$/);
  });

  it('colours the level only when asked', () => {
    const { sink, lines } = capture();
    createLogger({ format: 'pretty', sink, colors: true }).warn('careful');
    expect(lines()[0]).toContain('\x1b[33mWARN \x1b[0m careful');
  });
});

describe('formatPrettyLine', () => {
  it('returns lines that are not JSON objects unchanged', () => {
    expect(formatPrettyLine('plain text')).toBe('plain text');
    expect(formatPrettyLine('[1,2]')).toBe('[1,2]');
  });

  it('renders nested values as JSON and empty strings quoted', () => {
    expect(formatPrettyLine('{"level":"debug","time":"2026-11-21T00:41:02.123Z","msg":"m","shard":{"i":0,"n":4},"e":""}')).toBe(
      '00:41:02.123 DEBUG m shard={"i":0,"n":4} e=""',
    );
  });
});

describe('option parsing', () => {
  it('accepts the known values', () => {
    expect(parseLogFormat('json')).toBe('json');
    expect(parseLogLevel('debug')).toBe('debug');
  });

  it('rejects others, quoting the value and the choices', () => {
    expect(() => parseLogFormat('text')).toThrow(new LogOptionError('format', 'text', ['json', 'pretty']));
    expect(() => parseLogFormat('text')).toThrow('invalid log format "text": expected one of json, pretty');
    expect(() => createLogger({ format: 'json', level: 'verbose' as never })).toThrow('invalid log level "verbose"');
  });
});
