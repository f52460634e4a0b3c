/**
 * `berserkr --version` as a person and a script read it: the number alone, or with
 * `--output json` one JSON summary on stdout, exit 0 either way. Runs the built CLI.
 */
import { packageVersion } from '../../lib/runs';
import { runCli } from '../helpers/cli';

describe('berserkr --version', () => {
  const { version } = packageVersion();

  test.each([['--version'], ['-V']])('%s prints the version number alone and exits 0', async (flag) => {
    const r = await runCli([flag]);
    expect([r.code, r.stdout]).toEqual([0, `${version}\n`]);
  });

  test.each([[['--output', 'json', '--version']], [['--version', '--output', 'json']], [['--version', '--output=json']]])('with --output json (%j) it prints one JSON summary with the version, and exits 0', async (args) => {
    const r = await runCli(args);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')).toEqual([expect.any(String), '']);
    expect(JSON.parse(r.stdout)).toEqual({ command: null, runId: null, status: 'ok', exitCode: 0, version });
    expect(r.stderr).toBe('');
  });
});
