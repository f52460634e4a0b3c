/**
 * Static checks of the operations files in docker/ (no container engine or
 * cluster here): they parse, and their wiring is consistent with each other,
 * with the Dockerfile and with the project.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parseAllDocuments, parseDocument } from 'yaml';

const ROOT = join(__dirname, '..', '..');
const DOCKER = join(ROOT, 'docker');

/** Parsed YAML: deliberately loose, the tests assert the shapes they read. */
type Json = Record<string, any>;

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return yamlFiles(path);
    return /\.ya?ml$/.test(name) ? [path] : [];
  });
}

/** All documents of a YAML file as plain values; throws on any parse error or duplicate key. */
function loadYaml(path: string): Json[] {
  return parseAllDocuments(readFileSync(path, 'utf8'), { uniqueKeys: true }).map((doc) => {
    if (doc.errors.length > 0) throw new Error(`${relative(ROOT, path)}: ${doc.errors[0].message}`);
    return doc.toJS() as Json;
  });
}

function one(path: string): Json {
  const docs = loadYaml(join(DOCKER, path));
  expect(docs).toHaveLength(1);
  return docs[0];
}

/** KEY=value pairs of a dotenv file. */
function dotenv(path: string): Map<string, string> {
  const pairs = new Map<string, string>();
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line.trim());
    if (m) pairs.set(m[1], m[2]);
  }
  return pairs;
}

/**
 * Compose's interpolation of a compose file: `$$` is a literal `$`; `${NAME}`, `$NAME`,
 * `${NAME:-default}` and `${NAME-default}` take `vars`; `${NAME:?message}` fails when unset or empty.
 */
function interpolate(text: string, vars: Record<string, string>): string {
  return text.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?)([-?])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (whole, braced?: string, colon?: string, op?: string, arg?: string, bare?: string) => {
    if (whole === '$$') return '$';
    const value = vars[(braced ?? bare)!];
    const missing = value === undefined || (colon === ':' && value === '');
    if (op === '?' && missing) throw new Error(`compose would stop: ${arg}`);
    return op === '-' && missing ? arg! : (value ?? '');
  });
}

/** The stages of docker/Dockerfile: each FROM line and its instructions, continuation lines joined, comments dropped. */
function dockerStages(): { from: string; lines: string[] }[] {
  const text = readFileSync(join(DOCKER, 'Dockerfile'), 'utf8').replace(/\\\n/g, ' ');
  const stages: { from: string; lines: string[] }[] = [];
  for (const line of text.split('\n').map((l) => l.trim())) {
    if (line === '' || line.startsWith('#')) continue;
    if (/^FROM\s/i.test(line)) stages.push({ from: line, lines: [] });
    else if (stages.length > 0) stages[stages.length - 1].lines.push(line);
  }
  return stages;
}

/** Expands `$(VAR)` references the way the kubelet does for container args. */
function expand(arg: string, env: Record<string, string>): string {
  return arg.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (whole, name: string) => env[name] ?? whole);
}

describe('YAML in docker/', () => {
  const files = yamlFiles(DOCKER);

  it('finds the compose file and the Kubernetes manifests', () => {
    expect(files.map((f) => relative(DOCKER, f)).sort()).toEqual(
      expect.arrayContaining(['docker-compose.yml', 'k8s/config.yaml', 'k8s/pipeline-cronjob.yaml', 'k8s/score-job.yaml']),
    );
  });

  it.each(files.map((f) => [relative(ROOT, f), f]))('%s parses without errors or duplicate keys', (_name, path) => {
    const docs = loadYaml(path);
    expect(docs.length).toBeGreaterThan(0);
    for (const doc of docs) expect(typeof doc).toBe('object');
  });

  it.each(yamlFiles(join(DOCKER, 'k8s')).map((f) => [relative(ROOT, f), f]))('%s holds Kubernetes objects', (_name, path) => {
    for (const doc of loadYaml(path)) {
      expect(doc.apiVersion).toMatch(/^(v1|batch\/v1)$/);
      expect(typeof doc.kind).toBe('string');
      expect(doc.metadata.name ?? doc.metadata.generateName).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?-?$/);
    }
  });
});

describe('docker-compose.yml', () => {
  const compose = one('docker-compose.yml');
  const env = dotenv(join(ROOT, '.env.example'));

  it('has MinIO, the bucket set-up and the app', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['app', 'createbuckets', 'minio', 'scheduler']);
  });

  it('keeps MinIO data on a named volume and publishes the API and console ports', () => {
    const minio = compose.services.minio;
    expect(minio.image).toMatch(/^minio\/minio:RELEASE\./);
    const [volume, target] = String(minio.volumes[0]).split(':');
    expect(target).toBe('/data');
    expect(Object.keys(compose.volumes)).toContain(volume);
    expect(minio.command.join(' ')).toContain('--console-address :9001');
    expect(minio.ports.map((p: string) => p.split(':').slice(-2).join(':'))).toEqual(['9000:9000', '9001:9001']);
    expect(minio.healthcheck.test).toEqual(['CMD', 'mc', 'ready', 'local']);
  });

  /**
   * Runs the bucket set-up as its container would, with a stand-in `mc` that logs its
   * arguments: compose interpolates the file with `vars` (the shell and .env), then
   * `sh -c` runs the script in an environment of the service's `environment`.
   * @returns the exit code and each `mc` call.
   */
  function createBuckets(vars: Record<string, string>, mcExit = 0): { code: number; calls: string[] } {
    const mc = compose.services.createbuckets;
    const text = readFileSync(join(DOCKER, 'docker-compose.yml'), 'utf8');
    const service = (parseDocument(interpolate(text, vars)).toJS() as Json).services.createbuckets as Json;
    const dir = mkdtempSync(join(tmpdir(), 'berserkr-mc-'));
    try {
      const log = join(dir, 'calls');
      writeFileSync(join(dir, 'mc'), `#!/bin/sh\necho "$*" >> '${log}'\ncase "$1" in mb) exit ${mcExit};; esac\n`, { mode: 0o755 });
      expect(mc.entrypoint).toEqual(['/bin/sh', '-c']);
      const run = spawnSync('/bin/sh', ['-c', ...service.command], { env: { PATH: `${dir}:/usr/bin:/bin`, ...service.environment }, encoding: 'utf8' });
      return { code: run.status ?? -1, calls: existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : [] };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  it('creates the buckets of BERSERKR_RAW and BERSERKR_LAKE once MinIO is healthy', () => {
    const mc = compose.services.createbuckets;
    expect(mc.image).toMatch(/^minio\/mc:RELEASE\./);
    expect(mc.depends_on.minio.condition).toBe('service_healthy');
    const script = mc.command.join(' ');
    expect(script).toContain('$$MINIO_ROOT_PASSWORD'); // escaped: read in the container, not interpolated by compose
    const secrets = { MINIO_ROOT_USER: 'u', MINIO_ROOT_PASSWORD: 'p' };
    // .env.example's locations: raw and lake; reruns succeed (--ignore-existing).
    expect(createBuckets({ ...Object.fromEntries(env), ...secrets })).toEqual({
      code: 0,
      calls: ['alias set local http://minio:9000 u p', 'mb --ignore-existing local/raw', 'mb --ignore-existing local/lake', 'ls local'],
    });
    // Other buckets, with prefixes, as .env or make's command line name them; a folder has no bucket.
    expect(createBuckets({ ...secrets, BERSERKR_RAW: 's3://landing/online-retail', BERSERKR_LAKE: 's3://berserkr-lake/dev' }).calls.slice(1, 3)).toEqual([
      'mb --ignore-existing local/landing',
      'mb --ignore-existing local/berserkr-lake',
    ]);
    expect(createBuckets({ ...secrets, BERSERKR_RAW: 's3://raw', BERSERKR_LAKE: '/data/lake' }).calls.slice(1)).toEqual(['mb --ignore-existing local/raw', 'ls local']);
    // A bucket MinIO refuses fails the set-up, and make up with it.
    expect(createBuckets({ ...secrets, BERSERKR_RAW: 's3://Bad_Name', BERSERKR_LAKE: 's3://lake' }, 1)).toEqual({ code: 1, calls: ['alias set local http://minio:9000 u p', 'mb --ignore-existing local/Bad_Name'] });
  });

  it('builds the app from docker/Dockerfile with .env and the in-network MinIO endpoint', () => {
    const app = compose.services.app;
    expect(existsSync(join(DOCKER, app.build.context, app.build.dockerfile))).toBe(true);
    expect(join(DOCKER, app.build.context)).toBe(ROOT);
    expect(app.env_file).toEqual(['../.env']);
    expect(app.environment.AWS_ENDPOINT_URL).toBe('http://minio:9000');
    expect(app.depends_on.createbuckets.condition).toBe('service_completed_successfully');
  });

  it('runs the event-driven scheduler from the app image against the in-network MinIO', () => {
    const scheduler = compose.services.scheduler;
    expect(scheduler.image).toBe(compose.services.app.image);
    expect(scheduler.command.slice(0, 2)).toEqual(['schedule', '--on-new-object']);
    expect(scheduler.environment.AWS_ENDPOINT_URL).toBe('http://minio:9000');
    expect(scheduler.env_file).toEqual(['../.env']);
  });

  it('tags the app image with the package version, as the Kubernetes manifests do', () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(compose.services.app.image).toBe(`berserkr:${version}`);
    const job = one('k8s/score-job.yaml');
    const cron = one('k8s/pipeline-cronjob.yaml');
    for (const image of [job.spec.template.spec.containers[0].image, cron.spec.jobTemplate.spec.template.spec.containers[0].image]) {
      expect(image).toMatch(new RegExp(`/berserkr:${version.replace(/\./g, '\\.')}$`));
    }
  });

  it('is named, with .env, by every compose command of the README and of its header, run from the root as make does', () => {
    // Compose finds no compose file below the working folder, and reads --env-file relative to it (.env of the root).
    // A command may set GIT_COMMIT first, the commit the image it builds names.
    const commands = [
      ...[...readFileSync(join(ROOT, 'README.md'), 'utf8').matchAll(/`(?:GIT_COMMIT=\$\([^)]*\) )?(docker compose [^`]*)`/g)].map((m) => m[1]),
      ...[...readFileSync(join(DOCKER, 'docker-compose.yml'), 'utf8').matchAll(/^#\s+(?:GIT_COMMIT=\$\([^)]*\) )?(docker compose .*)$/gm)].map((m) => m[1]),
    ];
    expect(commands.length).toBeGreaterThanOrEqual(6);
    for (const command of commands) expect(command).toMatch(/^docker compose -f docker\/docker-compose\.yml --env-file \.env /);
  });

  it('interpolates only variables that .env.example defines', () => {
    const text = readFileSync(join(DOCKER, 'docker-compose.yml'), 'utf8');
    const required = [...text.matchAll(/(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)(:?\?[^}]*)\}/g)].map((m) => m[1]);
    expect(required.length).toBeGreaterThan(0);
    for (const name of required) expect([name, env.has(name)]).toEqual([name, true]);
    expect(text).not.toMatch(/RAW_URI|LAKE_URI/); // the app reads BERSERKR_* from .env as they are
  });
});

describe('.env.example', () => {
  const text = readFileSync(join(ROOT, '.env.example'), 'utf8');
  const env = dotenv(join(ROOT, '.env.example'));

  it('sets the S3 locations and the standard AWS variables', () => {
    expect(env.get('BERSERKR_RAW')).toBe('s3://raw');
    expect(env.get('BERSERKR_LAKE')).toBe('s3://lake');
    // One set of names for the CLI, make and compose; the old ones are gone.
    expect(text).not.toMatch(/^\s*(RAW_URI|LAKE_URI)=/m);
    for (const name of ['AWS_ENDPOINT_URL', 'AWS_REGION', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_S3_FORCE_PATH_STYLE']) {
      expect([name, env.has(name)]).toEqual([name, true]);
    }
  });

  it('holds placeholders, not credentials', () => {
    expect(text).not.toMatch(/AKIA[0-9A-Z]{16}/); // AWS access key id
    expect(text).not.toMatch(/minioadmin/);
    expect(env.get('AWS_SECRET_ACCESS_KEY')).toMatch(/^replace-/);
    expect(env.get('MINIO_ROOT_PASSWORD')).toMatch(/^replace-/);
    expect(env.get('MINIO_ROOT_PASSWORD')!.length).toBeGreaterThanOrEqual(8); // MinIO refuses shorter ones
  });
});

describe('Dockerfile', () => {
  const stages = dockerStages();
  const runtime = stages[stages.length - 1];
  const build = stages[0];

  it('is multi-stage: a bookworm build stage and a slim runtime copying from it', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(build.from).toMatch(/^FROM node:\$\{NODE_VERSION\}-bookworm AS build$/);
    expect(runtime.from).toMatch(/^FROM node:\$\{NODE_VERSION\}-bookworm-slim AS runtime$/);
    expect(runtime.lines.filter((l) => l.startsWith('COPY --from=build')).length).toBeGreaterThanOrEqual(2);
    expect(runtime.lines.join('\n')).toContain('/app/node_modules');
  });

  it('builds no native code: no system packages in the build, only tini at run time', () => {
    expect(build.lines.join('\n')).not.toMatch(/apt-get|npm rebuild|libavutil|lzo-decompress/);
    const installs = runtime.lines.join('\n').match(/apt-get install -y --no-install-recommends ([^&]*)/);
    expect(installs?.[1].trim()).toBe('tini');
  });

  it('copies every source folder that tsconfig.json includes into the build, and no local state', () => {
    const tsconfig = JSON.parse(readFileSync(join(ROOT, 'tsconfig.json'), 'utf8')) as { include: string[] };
    expect(build.lines).toContain('COPY . .');
    const ignored = readFileSync(join(DOCKER, 'Dockerfile.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('#'));
    for (const folder of [...tsconfig.include, 'tsconfig.json', 'config', 'data']) {
      expect([folder, ignored.some((pattern) => pattern === folder || pattern === `${folder}/` || pattern === '*')]).toEqual([folder, false]);
      expect([folder, existsSync(join(ROOT, folder))]).toEqual([folder, true]);
    }
    for (const excluded of ['**/node_modules', 'dist', 'lake', '.git', '.env']) expect(ignored).toContain(excluded);
  });

  it('runs as a non-root numeric user, the one the Kubernetes manifests expect', () => {
    const users = runtime.lines.filter((l) => /^USER\s/i.test(l));
    expect(users.length).toBeGreaterThan(0);
    const user = users[users.length - 1].split(/\s+/)[1];
    const [uid, gid] = user.split(':');
    expect(uid).toMatch(/^\d+$/); // numeric, so runAsNonRoot can verify it
    expect(Number(uid)).toBeGreaterThan(0);
    for (const file of ['score-job.yaml', 'pipeline-cronjob.yaml']) {
      const doc = one(join('k8s', file));
      const pod = doc.kind === 'CronJob' ? doc.spec.jobTemplate.spec.template.spec : doc.spec.template.spec;
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: Number(uid), runAsGroup: Number(gid) });
    }
  });

  it('starts the berserkr CLI that package.json declares', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { bin: { berserkr: string } };
    const entry = runtime.lines.find((l) => l.startsWith('ENTRYPOINT'));
    expect(JSON.parse(entry!.slice('ENTRYPOINT'.length))).toEqual(['/usr/bin/tini', '--', 'node', `/app/${pkg.bin.berserkr}`]);
  });
});

describe('Kubernetes', () => {
  // config.yaml holds the settings' ConfigMap first, then the data set's (tests/ops/deployment.test.ts).
  const config = loadYaml(join(DOCKER, 'k8s', 'config.yaml'))[0];
  const job = one('k8s/score-job.yaml');
  const cron = one('k8s/pipeline-cronjob.yaml');

  /** Checks the credentials come from the Secret and the settings from the ConfigMap of config.yaml. */
  function expectSettingsWiring(container: Json): void {
    const secretEnv = container.env.filter((e: Json) => e.valueFrom?.secretKeyRef);
    expect(secretEnv.map((e: Json) => [e.name, e.valueFrom.secretKeyRef.key])).toEqual([
      ['AWS_ACCESS_KEY_ID', 'AWS_ACCESS_KEY_ID'],
      ['AWS_SECRET_ACCESS_KEY', 'AWS_SECRET_ACCESS_KEY'],
    ]);
    expect(new Set(secretEnv.map((e: Json) => e.valueFrom.secretKeyRef.name))).toEqual(new Set(['berserkr-s3']));
    expect(container.env.some((e: Json) => /SECRET|PASSWORD/.test(e.name) && e.value !== undefined)).toBe(false);
    expect(container.envFrom).toEqual([{ configMapRef: { name: config.metadata.name } }]);
    expect(container.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true });
  }

  it('keeps settings in a ConfigMap the CLI reads, without secrets', () => {
    expect(config.kind).toBe('ConfigMap');
    expect(Object.keys(config.data)).toEqual(expect.arrayContaining(['BERSERKR_RAW', 'BERSERKR_LAKE', 'AWS_REGION']));
    expect(Object.keys(config.data).filter((k) => /SECRET|PASSWORD|ACCESS_KEY/.test(k))).toEqual([]);
  });

  it('scores in an Indexed Job whose pod i runs shard i of N, N agreeing everywhere', () => {
    expect(job.kind).toBe('Job');
    expect(job.spec.completionMode).toBe('Indexed');
    const n = job.spec.completions as number;
    expect(n).toBeGreaterThan(1);
    expect(job.spec.parallelism).toBe(n);
    const pod = job.spec.template.spec;
    expect(pod.restartPolicy).toBe('Never');
    const [container] = pod.containers;
    expect(container.args[0]).toBe('score');

    const env = Object.fromEntries(container.env.filter((e: Json) => 'value' in e).map((e: Json) => [e.name, e.value]));
    expect(Number(env.SHARD_COUNT)).toBe(n);
    const index = container.env.find((e: Json) => e.name === 'JOB_COMPLETION_INDEX');
    expect(index.valueFrom.fieldRef.fieldPath).toBe("metadata.annotations['batch.kubernetes.io/job-completion-index']");

    // What each pod runs once the kubelet expands $(VAR) references.
    const shards = Array.from({ length: n }, (_, i) => {
      const args = container.args.map((a: string) => expand(a, { ...env, JOB_COMPLETION_INDEX: String(i) }));
      expect(args.join(' ')).not.toContain('$(');
      return args[args.indexOf('--shard') + 1];
    });
    expect(shards).toEqual(Array.from({ length: n }, (_, i) => `${i}/${n}`));
    // One run id shared by all shards, filled in at submission.
    expect(container.args[container.args.indexOf('--run-id') + 1]).toBe('$(RUN_ID)');
    expect(env.RUN_ID).toBe('${RUN_ID}');
    expectSettingsWiring(container);
  });

  it('runs the whole pipeline on a schedule, one run at a time', () => {
    expect(cron.kind).toBe('CronJob');
    expect(cron.spec.schedule.split(' ')).toHaveLength(5);
    expect(cron.spec.concurrencyPolicy).toBe('Forbid');
    const pod = cron.spec.jobTemplate.spec.template.spec;
    expect(pod.restartPolicy).toBe('Never');
    expect(pod.containers[0].args.slice(0, 2)).toEqual(['schedule', '--once']);
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(60);
    expectSettingsWiring(pod.containers[0]);
  });
});
