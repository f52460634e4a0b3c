/** `ingest/turns.ts`: sources run one at a time, in the order they asked, and a turn ends however its source ends. */
import { Turns } from '../../ingest/turns';

/** A source that records when it starts and ends in `log`, yielding `n` values with a pause before each. */
async function* source(name: string, n: number, log: string[]): AsyncGenerator<number, string> {
  log.push(`${name} start`);
  for (let i = 0; i < n; i++) {
    await new Promise((resolve) => setTimeout(resolve, 1));
    yield i;
  }
  log.push(`${name} end`);
  return name;
}

async function drain<T, R>(g: AsyncGenerator<T, R>): Promise<R> {
  for (let r = await g.next(); ; r = await g.next()) if (r.done) return r.value;
}

describe('Turns', () => {
  it('runs sources one after another in the order their turns were asked for, keeping their return values', async () => {
    const turns = new Turns();
    const log: string[] = [];
    const done = await Promise.all([drain(turns.inTurn(source('a', 3, log))), drain(turns.inTurn(source('b', 2, log))), drain(turns.inTurn(source('c', 1, log)))]);
    expect(done).toEqual(['a', 'b', 'c']);
    expect(log).toEqual(['a start', 'a end', 'b start', 'b end', 'c start', 'c end']);
  });

  it('ends a turn when its source throws or is returned early', async () => {
    const turns = new Turns();
    const log: string[] = [];
    async function* failing(): AsyncGenerator<number, string> {
      log.push('failing start');
      yield 1;
      throw new Error('bad line');
    }
    const early = turns.inTurn(source('early', 5, log));
    await early.next();
    const afterEarly = drain(turns.inTurn(failing()));
    const last = drain(turns.inTurn(source('last', 1, log)));
    await early.return('stopped');
    await expect(afterEarly).rejects.toThrow('bad line');
    await expect(last).resolves.toBe('last');
    expect(log).toEqual(['early start', 'failing start', 'last start', 'last end']);
  });
});
