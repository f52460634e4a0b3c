/**
 * The Makefile's behaviour, checked with `make -n` (print, do not run) in a
 * scratch copy: which targets exist, and which locations the stage targets pass
 * to the CLI with and without a .env file; and what set-up and CI install.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, statSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';

const ROOT = join(__dirname, '..', '..');
const TARGETS = ['setup', 'build', 'demo', 'test', 'up', 'down', 'seed', 'validate', 'ingest', 'train', 'score', 'export', 'pipeline', 'schedule', 'runs', 'bench'];

/** The environment without the variables the Makefile reads, so only the scratch .env sets them. */
const ENV = Object.fromEntries(
  Object.entries(process.env).filter(([k]) => !/^(AWS_|MINIO_|MAKE|BERSERKR_(RAW|LAKE|CONFIG)$|RAW_URI$|LAKE_URI$|LOG_FORMAT$|AS_OF$|TOP_K$|SHARD$|RUN_ID$|MODEL_ID$|SEED_DIR$|CUSTOMERS$|FORMAT$|OUTPUT$)/.test(k)),
);

function make(cwd: string, args: string[], env: Record<string, string> = {}): string {
  return execFileSync('make', ['--no-print-directory', ...args], { cwd, encoding: 'utf8', env: { ...ENV, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** A scratch folder holding the Makefile and the files it depends on (and .env.example as .env when asked). */
function scratch(withEnv: boolean): string {
  const dir = mkdtempSync(join(tmpdir(), 'berserkr-make-'));
  for (const file of ['Makefile', 'tsconfig.json', 'package.json', 'package-lock.json']) copyFileSync(join(ROOT, file), join(dir, file));
  if (withEnv) copyFileSync(join(ROOT, '.env.example'), join(dir, '.env'));
  return dir;
}

/** The `node dist/cli/berserkr.js …` line `make -n <target>` would run. */
function cliLine(dir: string, args: string[]): string {
  const line = make(dir, ['-n', ...args])
    .split('\n')
    .find((l) => l.startsWith('node dist/cli/berserkr.js '))
    ?.trimEnd();
  if (line === undefined) throw new Error(`make -n ${args.join(' ')} runs no berserkr command`);
  return line;
}

/**
 * A scratch copy (see {@link scratch}) whose CLI, `dist/cli/berserkr.js`, prints one JSON object, its arguments and the
 * `BERSERKR_LOG_FORMAT` it was given, and whose `npm` and `npx`, first on the PATH it returns, print on stdout as
 * `npm ci` and a failing `tsc` do.
 */
function fakeCliScratch(withEnv: boolean): { dir: string; env: Record<string, string> } {
  const dir = scratch(withEnv);
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  writeFileSync(join(bin, 'npm'), '#!/bin/sh\necho "added 1 package"\nmkdir -p node_modules\n', { mode: 0o755 });
  writeFileSync(join(bin, 'npx'), '#!/bin/sh\necho "error TS2304: Cannot find name"\n', { mode: 0o755 });
  mkdirSync(join(dir, 'dist', 'cli'), { recursive: true });
  writeFileSync(join(dir, 'dist', 'cli', 'berserkr.js'), 'process.stdout.write(JSON.stringify({ argv: process.argv.slice(2), logFormat: process.env.BERSERKR_LOG_FORMAT }) + "\\n");\n');
  return { dir, env: { ...ENV, PATH: `${bin}:${process.env.PATH ?? ''}` } };
}

describe('Makefile', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
  const local = scratch(false);
  const minio = scratch(true);
  dirs.push(local, minio);

  it('lists every target with its help text by default', () => {
    const help = make(local, []);
    for (const target of TARGETS) expect(help).toMatch(new RegExp(`^  ${target} +\\S`, 'm'));
  });

  it('passes no location to the stages unless one is set, and only demo names the bundled data', () => {
    expect(cliLine(local, ['pipeline'])).toBe('node dist/cli/berserkr.js run');
    expect(cliLine(local, ['ingest'])).toBe('node dist/cli/berserkr.js ingest');
    expect(cliLine(local, ['validate', 'BERSERKR_RAW=/my/raw', 'BERSERKR_LAKE=/my/lake', 'BERSERKR_CONFIG=my.yaml'])).toBe("node dist/cli/berserkr.js validate --raw '/my/raw' --config 'my.yaml'");
    expect(cliLine(local, ['ingest', 'BERSERKR_RAW=/my/raw', 'BERSERKR_LAKE=/my/lake', 'BERSERKR_CONFIG=my.yaml'])).toBe(
      "node dist/cli/berserkr.js ingest --raw '/my/raw' --lake '/my/lake' --config 'my.yaml'",
    );
    expect(cliLine(local, ['-o', 'setup', 'demo'])).toBe(
      "node dist/cli/berserkr.js run --raw data/online-retail --lake lake --config config/online-retail.yaml --as-of '2011-11-09T00:00:00Z'",
    );
  });

  it('stops on the variable names of earlier versions instead of running elsewhere', () => {
    for (const [old, now] of [['RAW_URI', 'BERSERKR_RAW'], ['LAKE_URI', 'BERSERKR_LAKE']]) {
      expect(() => make(local, ['-n', 'ingest', `${old}=/my/data`])).toThrow(`${old} is set but not read: make and berserkr read ${now}`);
      expect(() => make(local, ['-n', 'ingest'], { [old]: '/my/data' })).toThrow(`${old} is set but not read`);
    }
  });

  it('stops on a .env value holding # or $, which make and docker compose read differently, naming its line and key', () => {
    const dir = scratch(false);
    dirs.push(dir);
    writeFileSync(join(dir, '.env'), 'MINIO_ROOT_USER=berserkr\n# a comment line is fine\nMINIO_ROOT_PASSWORD=abc#def\nAWS_SECRET_ACCESS_KEY=abc$def\n');
    expect(() => make(dir, ['-n', 'ingest'])).toThrow('.env line 3:MINIO_ROOT_PASSWORD 4:AWS_SECRET_ACCESS_KEY: a value holding "#" or "$" is read one way by make and another by docker compose');
    writeFileSync(join(dir, '.env'), 'MINIO_ROOT_USER=berserkr\n# a comment line is fine\nMINIO_ROOT_PASSWORD=abcdef12\n');
    expect(make(dir, ['help'])).toContain('usage: make <target>');
  });

  it('stops on an "export KEY=value" line holding # too (make and docker compose read those lines as well), and keeps its key from the tests', () => {
    const dir = scratch(false);
    dirs.push(dir);
    writeFileSync(join(dir, '.env'), 'MINIO_ROOT_USER=berserkr\n  export MINIO_ROOT_PASSWORD=abc#def\n');
    expect(() => make(dir, ['-n', 'ingest'])).toThrow('.env line 2:MINIO_ROOT_PASSWORD: a value holding "#" or "$"');
    // The line and key, never the value (a password).
    expect(spawnSync('make', ['-n', 'ingest'], { cwd: dir, encoding: 'utf8', env: ENV }).stderr).not.toContain('abc');
    writeFileSync(join(dir, '.env'), 'MINIO_ROOT_USER=berserkr\nexport AWS_SECRET_ACCESS_KEY=abcdef12\n');
    expect(make(dir, ['-n', '-o', 'setup', 'test']).trim().split('\n').pop()).toBe('env -u MINIO_ROOT_USER -u AWS_SECRET_ACCESS_KEY npx jest --ci');
  });

  it('only warns about such a .env on the targets that read none of it (help, test, demo), which run as without a .env', () => {
    const dir = scratch(false);
    dirs.push(dir);
    writeFileSync(join(dir, '.env'), 'MINIO_ROOT_USER=berserkr\nMINIO_ROOT_PASSWORD=abc$$def\n');
    for (const target of [['-n', 'ingest'], ['-n', 'pipeline'], ['-n', 'up'], ['-n', 'demo', 'ingest']]) {
      expect(() => make(dir, target)).toThrow('.env line 2:MINIO_ROOT_PASSWORD: a value holding "#" or "$"');
    }
    const run = (args: string[]) => spawnSync('make', ['--no-print-directory', ...args], { cwd: dir, encoding: 'utf8', env: ENV });
    for (const args of [[], ['help'], ['-n', '-o', 'setup', 'test'], ['-n', '-o', 'setup', 'demo']]) {
      const result = run(args);
      expect([args, result.status]).toEqual([args, 0]);
      expect(result.stderr).toContain('.env line 2:MINIO_ROOT_PASSWORD: a value holding "#" or "$"');
    }
    expect(run(['-n', '-o', 'setup', 'test']).stdout.trim().split('\n').pop()).toBe('env -u MINIO_ROOT_USER -u MINIO_ROOT_PASSWORD npx jest --ci');
    expect(run(['-n', '-o', 'setup', 'demo']).stdout).toContain('node dist/cli/berserkr.js run --raw data/online-retail --lake lake');
  });

  it('runs stages against MinIO when .env sets the S3 locations', () => {
    expect(cliLine(minio, ['ingest'])).toContain("ingest --raw 's3://raw' --lake 's3://lake'");
    expect(cliLine(minio, ['seed', 'SEED_DIR=data/online-retail'])).toContain("seed --from 'data/online-retail' --raw 's3://raw'");
    // .env values reach the CLI's environment (the AWS SDK reads them there).
    const printed = make(minio, ['-s', '--eval', 'show-env: ; @echo "$$AWS_ENDPOINT_URL $$AWS_S3_FORCE_PATH_STYLE"', 'show-env']);
    expect(printed.trim()).toBe('http://localhost:9000 true');
  });

  it('keeps the settings of .env away from the test suite', () => {
    const line = make(minio, ['-n', '-o', 'setup', 'test']).trim().split('\n').pop();
    expect(line).toMatch(/^env( -u \w+)+ npx jest --ci$/);
    for (const name of ['AWS_ENDPOINT_URL', 'AWS_SECRET_ACCESS_KEY', 'BERSERKR_RAW', 'BERSERKR_LAKE']) expect(line).toContain(`-u ${name} `);
    expect(make(local, ['-n', '-o', 'setup', 'test']).trim().split('\n').pop()).toBe('npx jest --ci');
  });

  it('type-checks sources, tests and benches before the suite runs (ts-jest only transpiles)', () => {
    expect(make(local, ['-n', '-o', 'setup', 'test']).trim().split('\n')).toEqual(['npm run typecheck', 'npx jest --ci']);
  });

  it('passes the schedule mode and training flags to schedule', () => {
    expect(cliLine(local, ['schedule', 'BERSERKR_RAW=r'])).toMatch(/^node dist\/cli\/berserkr.js schedule --cron '0 3 \* \* \*' --raw 'r'(?: |$)/);
    expect(cliLine(local, ['schedule', 'SCHEDULE=--once', 'TRAIN_FLAGS=--epochs 1'])).toMatch(/ schedule --once .* --epochs 1$/);
  });

  it('passes --log-format only when LOG_FORMAT is set, so BERSERKR_LOG_FORMAT of .env or the environment holds otherwise', () => {
    const { dir, env } = fakeCliScratch(true);
    dirs.push(dir);
    writeFileSync(join(dir, '.env'), `${readFileSync(join(dir, '.env'), 'utf8')}BERSERKR_LOG_FORMAT=json\n`);
    const run = (args: string[], extra: Record<string, string> = {}) =>
      JSON.parse(execFileSync('make', ['--no-print-directory', '-o', 'build', '-o', 'dist/.build-stamp', ...args], { cwd: dir, encoding: 'utf8', env: { ...env, ...extra }, stdio: ['ignore', 'pipe', 'pipe'] })) as { argv: string[]; logFormat?: string };
    for (const target of [['ingest'], ['runs'], ['validate'], ['seed', 'SEED_DIR=data/online-retail']]) {
      const r = run(target);
      expect([target, r.logFormat, r.argv.includes('--log-format')]).toEqual([target, 'json', false]);
      expect([target, run([...target, 'LOG_FORMAT=pretty']).argv]).toEqual([target, expect.arrayContaining(['--log-format', 'pretty'])]);
    }
    // Without .env, the environment's BERSERKR_LOG_FORMAT holds as well.
    const bare = fakeCliScratch(false);
    dirs.push(bare.dir);
    const r = JSON.parse(execFileSync('make', ['--no-print-directory', '-o', 'build', '-o', 'dist/.build-stamp', 'train'], { cwd: bare.dir, encoding: 'utf8', env: { ...bare.env, BERSERKR_LOG_FORMAT: 'json' } })) as { argv: string[]; logFormat?: string };
    expect(r).toEqual({ argv: ['train'], logFormat: 'json' });
  });

  it('passes AS_OF to every target the README lists it for that takes --as-of: train, score, pipeline and schedule', () => {
    for (const target of ['train', 'score', 'pipeline', 'schedule']) {
      expect([target, cliLine(local, [target, 'AS_OF=2011-11-09T00:00:00Z'])]).toEqual([target, expect.stringContaining(" --as-of '2011-11-09T00:00:00Z'")]);
    }
    // An AS_OF exported in the shell (for a score Job) reaches score, never the scheduler, which would tick at it for ever.
    const exported = (target: string): string => make(local, ['-n', target], { AS_OF: '2011-11-09T00:00:00Z' });
    expect(exported('score')).toContain(" --as-of '2011-11-09T00:00:00Z'");
    expect(exported('schedule')).toMatch(/node dist\/cli\/berserkr\.js schedule /);
    expect(exported('schedule')).not.toContain('--as-of');
  });

  it('passes runs the log format and output as the other targets', () => {
    expect(cliLine(minio, ['runs', 'BERSERKR_CONFIG=c.yaml'])).toBe("node dist/cli/berserkr.js runs --lake 's3://lake' --config 'c.yaml'");
    expect(cliLine(local, ['runs', 'LOG_FORMAT=json', 'OUTPUT=json'])).toBe('node dist/cli/berserkr.js runs --log-format json --output json');
  });

  it('passes train the K its promotion compares NDCG@K at, as pipeline and schedule', () => {
    expect(cliLine(local, ['train'])).toBe('node dist/cli/berserkr.js train');
    for (const target of ['train', 'pipeline', 'schedule']) expect([target, cliLine(local, [target, 'TOP_K=20'])]).toEqual([target, expect.stringContaining(' --top-k 20')]);
  });

  it('passes the shard, as-of and top-K only when given', () => {
    expect(cliLine(local, ['score'])).not.toMatch(/--shard|--as-of|--top-k/);
    expect(cliLine(local, ['score', 'SHARD=1/4', 'AS_OF=2011-11-09T00:00:00Z', 'TOP_K=20'])).toMatch(
      / --as-of '2011-11-09T00:00:00Z' --top-k 20 --shard 1\/4$/,
    );
  });

  it('passes a shard the run id and model all shards share, as the README shows', () => {
    expect(cliLine(local, ['score', 'SHARD=0/4', 'RUN_ID=20261206T030000Z-0a1b2c', 'MODEL_ID=baseline:repeat'])).toMatch(/ --shard 0\/4 --run-id '20261206T030000Z-0a1b2c' --model 'baseline:repeat'$/);
    // The README's example, with its shell variables set: score refuses a shard of several without --run-id.
    const example = /`make (score [^`]*SHARD=[^`]*)`/.exec(readFileSync(join(ROOT, 'README.md'), 'utf8'));
    expect(example).not.toBeNull();
    const vars: Record<string, string> = { RUN_ID: '20261206T030000Z-0a1b2c', MODEL_ID: 'm1', AS_OF: '2011-11-09T00:00:00Z' };
    const args = example![1].replace(/\$(\w+)/g, (_, name: string) => vars[name] ?? `$${name}`).split(/\s+/);
    expect(cliLine(local, args)).toMatch(/ --as-of '2011-11-09T00:00:00Z' --shard 0\/4 --run-id '20261206T030000Z-0a1b2c' --model 'm1'$/);
  });

  it('passes export only the options berserkr export has: customers, formats and the cuts when given', () => {
    expect(cliLine(local, ['export', 'BERSERKR_LAKE=/my/lake', 'BERSERKR_CONFIG=my.yaml'])).toBe("node dist/cli/berserkr.js export --lake '/my/lake' --config 'my.yaml'");
    expect(cliLine(local, ['export', 'AS_OF=2011-11-09', 'SHARD=0/4', 'CUSTOMERS=ids.txt', 'FORMAT=csv,jsonl', 'OUTPUT=json'])).toBe(
      "node dist/cli/berserkr.js export --output json --customers 'ids.txt' --format csv,jsonl",
    );
    expect(cliLine(local, ['export', 'TOP_K=3', 'MIN_PROBABILITY=0.2'])).toBe('node dist/cli/berserkr.js export --top-k 3 --min-probability 0.2');
    // An earlier scoring run's lists, not the latest: export has --run-id.
    expect(cliLine(local, ['export', 'RUN_ID=20261206T030000Z-0a1b2c'])).toBe("node dist/cli/berserkr.js export --run-id '20261206T030000Z-0a1b2c'");
  });

    it('runs an existing benchmark of bench/', () => {
    const script = make(local, ['-n', '-o', 'build', 'bench']).trim();
    const m = /^node dist\/bench\/([\w-]+)\.js$/.exec(script);
    expect(m).not.toBeNull();
    expect(statSync(join(ROOT, 'bench', `${m![1]}.ts`)).isFile()).toBe(true);
  });

  it('refuses to seed a local folder', () => {
    expect(() => make(local, ['-s', '-o', 'dist/.build-stamp', 'seed', 'SEED_DIR=data/online-retail'])).toThrow(/not an s3:\/\/ URI/);
  });

  it('seeds no folder by default: SEED_DIR is required, and the data set\'s configuration picks the files', () => {
    expect(() => make(minio, ['-s', '-o', 'dist/.build-stamp', 'seed'])).toThrow('seed: SEED_DIR is required: the folder of raw files to upload, e.g. make seed SEED_DIR=data/online-retail');
    expect(cliLine(minio, ['seed', 'SEED_DIR=my/raw', 'BERSERKR_CONFIG=my.yaml'])).toContain("seed --from 'my/raw' --raw 's3://raw' --config 'my.yaml'");
  });

  it('keeps stdout for the CLI alone: with OUTPUT=json one JSON object, even after a stale install and build; the commands show on stderr', () => {
    const { dir, env } = fakeCliScratch(false);
    dirs.push(dir);
    for (const target of [['export'], ['runs'], ['seed', 'BERSERKR_RAW=s3://raw', 'SEED_DIR=data/online-retail']]) {
      rmSync(join(dir, 'node_modules'), { recursive: true, force: true });
      rmSync(join(dir, 'dist', '.build-stamp'), { force: true });
      const r = spawnSync('make', ['--no-print-directory', ...target, 'OUTPUT=json'], { cwd: dir, encoding: 'utf8', env });
      expect([target, r.status]).toEqual([target, 0]);
      // Exactly one line, the CLI's: no recipe echoed, no install or build output.
      expect([target, r.stdout.split('\n')]).toEqual([target, [expect.stringMatching(/^\{"argv":/), '']]);
      expect((JSON.parse(r.stdout) as { argv: string[] }).argv).toEqual(expect.arrayContaining([target[0], '--output', 'json']));
      expect(r.stderr).toContain('added 1 package');
      expect(r.stderr).toContain('error TS2304');
      expect(r.stderr).toMatch(new RegExp(`^\\+ node dist/cli/berserkr\\.js ${target[0]} `, 'm'));
    }
  });

  it('uses the compose file of docker/ with .env', () => {
    expect(make(minio, ['-n', 'up']).trim().split('\n').slice(1)).toEqual([
      'docker compose -f docker/docker-compose.yml --env-file .env up -d minio',
      'docker compose -f docker/docker-compose.yml --env-file .env run --rm createbuckets',
    ]);
    expect(statSync(join(ROOT, 'docker', 'docker-compose.yml')).isFile()).toBe(true);
  });

  it('takes down the services of every profile too, so no scheduler outlives make down', () => {
    // compose down leaves the containers of services whose profile is not active (docker/compose#11884, #13647).
    const compose = parse(readFileSync(join(ROOT, 'docker', 'docker-compose.yml'), 'utf8')) as { services: Record<string, { profiles?: string[] }> };
    expect(Object.values(compose.services).some((s) => (s.profiles ?? []).length > 0)).toBe(true);
    expect(make(minio, ['-n', 'down']).trim()).toBe("docker compose -f docker/docker-compose.yml --env-file .env --profile '*' down");
  });
});

describe('set-up', () => {
  it('builds no native code: no required package has an install script that could compile', () => {
    const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { hasInstallScript?: boolean; optional?: boolean }> };
    const scripted = Object.entries(lock.packages).filter(([, p]) => p.hasInstallScript && !p.optional).map(([path]) => path.replace(/^node_modules\//, ''));
    expect(scripted).toEqual(['core-js']); // its postinstall prints a notice; allowScripts turns it off
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { allowScripts: Record<string, boolean> };
    expect(pkg.allowScripts).toEqual({ 'core-js': false, '@tensorflow/tfjs-node': true });
  });

  it('needs no compiler or system library: neither the Makefile nor .ci/run installs one', () => {
    for (const file of ['Makefile', join('.ci', 'run')]) {
      expect([file, readFileSync(join(ROOT, file), 'utf8')]).not.toEqual([file, expect.stringMatching(/libavutil|lzo-decompress|node-gyp|g\+\+|python3|pkg-config/)]);
    }
  });
});

describe('.ci/run', () => {
  const path = join(ROOT, '.ci', 'run');

  it('is an executable bash script that stops on errors and ends with make test', () => {
    expect(statSync(path).mode & 0o111).not.toBe(0);
    execFileSync('bash', ['-n', path]);
    const text = readFileSync(path, 'utf8');
    expect(text).toMatch(/^#!\/usr\/bin\/env bash\n/);
    expect(text).toContain('set -euo pipefail');
    expect(text).toMatch(/dpkg -s[\s\S]*apt-get update[\s\S]*apt-get install[\s\S]*npm ci[\s\S]*\nmake test[ \n]/);
  });
});
