/** The option checks of `berserkr score`: combinations that could never give a committed run are bad usage (exit 2) before anything runs. */
import { CommanderError } from 'commander';
import { buildProgram } from '../../cli/berserkr';

const RUN = '20111109T000000Z-3fa9c1';

/** The error `berserkr score <args>` stops with (JSON logs, so commander writes nothing to stderr). */
async function scoreError(args: string[]): Promise<unknown> {
  return buildProgram()
    .parseAsync(['node', 'berserkr', '--log-format', 'json', 'score', '--lake', 'unused-lake', '--config', 'unused.yaml', ...args], { from: 'node' })
    .then(() => undefined, (error: unknown) => error);
}

describe('score options', () => {
  test.each([
    [['--commit', '--run-id', RUN], '--commit needs --run-id <id> and --shards <n>'],
    [['--shards', '2'], '--shards <n> is for --commit'],
    [['--shard', '0/2'], '--shard 0/2 needs --run-id <id>'],
    [['--commit', '--run-id', RUN, '--shards', '2', '--shard', '0/2'], '--commit only commits the --shards <n> shards of run --run-id, it scores none: drop --shard 0/2'],
  ])('score %j is bad usage: %s', async (args, message) => {
    const error = await scoreError(args);
    expect(error).toBeInstanceOf(CommanderError);
    expect((error as CommanderError).message).toContain(message);
  });
});
