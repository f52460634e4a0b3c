/** The option checks of `berserkr schedule` (an option its mode would ignore is bad usage, exit 2, before anything runs) and the exit code of several ticks. */
import { CommanderError } from 'commander';
import { buildProgram } from '../../cli/berserkr';
import { worseTickCode } from '../../cli/commands/schedule';

/** The error `berserkr schedule <args>` stops with (JSON logs, so commander writes nothing to stderr). */
async function scheduleError(args: string[]): Promise<unknown> {
  return buildProgram()
    .parseAsync(['node', 'berserkr', '--log-format', 'json', 'schedule', '--raw', 'unused-raw', '--lake', 'unused-lake', '--config', 'unused.yaml', ...args], { from: 'node' })
    .then(() => undefined, (error: unknown) => error);
}

describe('schedule options', () => {
  test.each([
    [['--cron', '0 3 * * *', '--as-of', '2011-11-09'], '--as-of would pin every tick to one as-of time'],
    [['--on-new-object', '--as-of', '2011-11-09'], '--as-of would pin every tick to one as-of time'],
    [['--once', '--max-ticks', '3'], '--max-ticks is for --cron and --on-new-object'],
    [['--cron', '0 3 * * *', '--poll-interval', '10s'], '--poll-interval is the listing interval of --on-new-object'],
    [['--once', '--poll-interval', '10s'], '--poll-interval is the listing interval of --on-new-object'],
  ])('schedule %j is bad usage: %s', async (args, message) => {
    const error = await scheduleError(args);
    expect(error).toBeInstanceOf(CommanderError);
    expect((error as CommanderError).message).toContain(message);
  });
});

describe('the exit code of a scheduler that ends after several ticks', () => {
  test.each([
    [[0, 3, 0], 3], // a partial tick, then ok ones: not 0
    [[0, 4, 0], 4], // a tick skipped for the lock
    [[3, 1, 0], 1], // a failure outweighs a partial tick
    [[4, 3], 3],
    [[2, 1], 1],
    [[0, 143], 143], // a code of no tick's (a signal's) is kept
    [[0, 0], 0],
  ])('ticks ending %j exit %d', (codes, expected) => {
    expect(codes.reduce(worseTickCode, 0)).toBe(expected);
  });
});
