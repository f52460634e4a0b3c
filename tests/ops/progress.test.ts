import { createLogger } from '../../lib/log';
import { NO_PROGRESS, createProgress, loggedProgress } from '../../lib/progress';

/** A stream that says it is (or is not) a terminal and keeps what is written. */
function fakeStream(isTTY: boolean): { stream: NodeJS.WriteStream; text: () => string } {
  const chunks: string[] = [];
  const stream = { isTTY, columns: 120, write: (chunk: string) => chunks.push(String(chunk)) > 0 };
  return { stream: stream as unknown as NodeJS.WriteStream, text: () => chunks.join('') };
}

/** Text without ANSI control sequences. */
const plain = (s: string): string => s.replace(/\x1b(\[[0-9;?]*[A-Za-z]|[78])/g, '');

describe('createProgress', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('draws bars on a terminal with the pretty format, frame by frame', () => {
    const { stream, text } = fakeStream(true);
    const progress = createProgress({ format: 'pretty', stream });
    expect(progress.enabled).toBe(true);
    const bar = progress.bar('ingest', 13, 'objects');
    bar.increment(12);
    jest.advanceTimersByTime(250);
    expect(plain(text())).toMatch(/ingest \[=+-+\] 92% \| 12\/13 objects \| ETA/);
    bar.increment();
    jest.advanceTimersByTime(250);
    expect(plain(text())).toMatch(/ingest \[=+\] 100% \| 13\/13 objects \|/);
    bar.stop();
    bar.stop(); // a second stop is ignored
    bar.increment(); // and so is work after it
    expect(jest.getTimerCount()).toBe(0); // nothing keeps the process alive
  });

  it('shows no ETA until the bar has a rate, rather than 0 s', () => {
    const { stream, text } = fakeStream(true);
    const progress = createProgress({ format: 'pretty', stream });
    const bar = progress.bar('features', 7, 'cut-offs');
    try {
      jest.advanceTimersByTime(250);
      expect(plain(text())).toMatch(/features \[-+\] 0% \| 0\/7 cut-offs \| ETA --/);
      expect(plain(text())).not.toMatch(/ETA\s+0s/);
    } finally {
      bar.stop();
    }
  });

  it('prints written lines above open bars, and straight out when none is open', () => {
    const { stream, text } = fakeStream(true);
    const progress = createProgress({ format: 'pretty', stream });
    progress.write('before\n');
    expect(text()).toBe('before\n');
    const bar = progress.bar('score', 4, 'batches');
    progress.write('during\n');
    bar.increment();
    jest.advanceTimersByTime(250);
    const drawn = plain(text());
    expect(drawn.indexOf('during\n')).toBeGreaterThan(0);
    expect(drawn.indexOf('during\n')).toBeLessThan(drawn.lastIndexOf('score ['));
    progress.write('last\n');
    bar.stop(); // flushes pending lines
    expect(plain(text())).toContain('last\n');
    progress.write('after\n');
    expect(text().endsWith('after\n')).toBe(true);
  });

  it('never keeps the process alive, even with a bar left open', () => {
    jest.useRealTimers();
    const timers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const before = timers();
    const exitListeners = process.listenerCount('exit');
    const { stream } = fakeStream(true);
    const progress = createProgress({ format: 'pretty', stream });
    const bar = progress.bar('train', 10, 'epochs');
    try {
      bar.increment();
      expect(timers()).toBe(before);
      expect(process.listenerCount('exit')).toBe(exitListeners + 1); // clears the bars if the process exits first
    } finally {
      bar.stop();
    }
    expect(process.listenerCount('exit')).toBe(exitListeners);
  });

  it.each([
    ['json', true],
    ['pretty', false],
    ['json', false],
  ] as const)('is a silent no-op for format %s when isTTY is %s', (format, isTTY) => {
    const { stream, text } = fakeStream(isTTY);
    const progress = createProgress({ format, stream });
    expect(progress).toBe(NO_PROGRESS);
    const bar = progress.bar('score', 4);
    bar.setTotal(8);
    bar.increment(8);
    bar.stop();
    jest.advanceTimersByTime(1000);
    expect(text()).toBe('');
    expect(jest.getTimerCount()).toBe(0);
  });
});

describe('loggedProgress', () => {
  /** A logger whose JSON lines are kept, and a clock the test moves. */
  function logged(): { lines: Record<string, any>[]; clock: { ms: number }; progress: ReturnType<typeof loggedProgress> } {
    const lines: Record<string, any>[] = [];
    const log = createLogger({ format: 'json', level: 'info', sink: { write: (chunk: string) => void lines.push(JSON.parse(chunk)) } });
    const clock = { ms: 1_000_000 };
    return { lines, clock, progress: loggedProgress(log, 15_000, () => clock.ms) };
  }

  it('logs a line with the count, the share and the ETA once the interval has passed, and not before', () => {
    const { lines, clock, progress } = logged();
    expect(progress.enabled).toBe(false);
    const bar = progress.bar('score', 40_000, 'customers');
    clock.ms += 14_999;
    bar.increment(10_000);
    expect(lines).toEqual([]);
    clock.ms += 1;
    bar.increment(2_000); // 12,000 done in 15 s: 28,000 left at 800 a second
    expect(lines).toHaveLength(1);
    expect(lines[0].msg).toBe('score: 12000 of 40000 customers (30 %), ETA 35 s');
    expect(lines[0].progress).toEqual({ label: 'score', done: 12_000, total: 40_000, unit: 'customers', etaSeconds: 35 });
    clock.ms += 10_000;
    bar.increment(8_000);
    expect(lines).toHaveLength(1); // the next line waits for another interval
    clock.ms += 5_000;
    bar.setTotal(50_000);
    bar.increment(0);
    expect(lines[1].msg).toBe('score: 20000 of 50000 customers (40 %), ETA 45 s');
    bar.stop();
    clock.ms += 60_000;
    bar.increment();
    expect(lines).toHaveLength(2); // nothing after the stop
  });

  it('never says more than 100 %, as a drawn bar does not', () => {
    const { lines, clock, progress } = logged();
    const bar = progress.bar('ingest', 0, 'objects');
    clock.ms += 15_000;
    bar.increment();
    bar.setTotal(2);
    clock.ms += 15_000;
    bar.increment(4);
    expect(lines.map((l) => l.msg)).toEqual(['ingest: 1 of 0 objects (100 %), ETA 0 s', 'ingest: 5 of 2 objects (100 %), ETA 0 s']);
  });

  it('logs nothing for a step shorter than the interval', () => {
    const { lines, clock, progress } = logged();
    const bar = progress.bar('features', 7, 'cut-offs');
    for (let i = 0; i < 7; i++) {
      clock.ms += 2_000;
      bar.increment();
    }
    bar.stop();
    expect(lines).toEqual([]);
  });
});
