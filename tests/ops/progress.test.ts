import { NO_PROGRESS, createProgress } from '../../lib/progress';

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
