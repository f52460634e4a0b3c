/**
 * Runtime and deployment properties that must not regress (no container engine or
 * cluster here: the files are parsed and their wiring checked): the Node versions
 * package.json supports, the image's Node, compose building every image it runs,
 * the pipeline CronJob treating a held lock (exit 4) as success, the scoring Job
 * pinning one as-of time for all its shards, and the data-set configuration
 * mounted from a ConfigMap.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { loadConfig } from '../../lib/config';

const ROOT = join(__dirname, '..', '..');
const DOCKER = join(ROOT, 'docker');

/** Parsed YAML: deliberately loose, the tests assert the shapes they read. */
type Json = Record<string, any>;

function docs(path: string): Json[] {
  return parseAllDocuments(readFileSync(join(DOCKER, path), 'utf8'), { uniqueKeys: true }).map((d) => d.toJS() as Json);
}

const [settings, dataset] = docs('k8s/config.yaml');
const cron = docs('k8s/pipeline-cronjob.yaml')[0];
const job = docs('k8s/score-job.yaml')[0];
const pods: [string, Json][] = [
  ['pipeline-cronjob.yaml', cron.spec.jobTemplate.spec.template.spec],
  ['score-job.yaml', job.spec.template.spec],
];

describe('Node versions', () => {
  const engines = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string } }).engines.node;
  const majors = engines.split('||').map((range) => Number(/^\s*\^(\d+)\s*$/.exec(range)?.[1]));

  it('package.json names each supported major version: 20, 22 and 24', () => {
    expect(majors).toEqual([20, 22, 24]);
  });

  it('the Node running the tests is one of them', () => {
    expect(majors).toContain(Number(process.versions.node.split('.')[0]));
  });

  it('the image builds on the newest of them, the current LTS', () => {
    const arg = /^ARG NODE_VERSION=(\d+)$/m.exec(readFileSync(join(DOCKER, 'Dockerfile'), 'utf8'));
    expect(Number(arg?.[1])).toBe(Math.max(...majors));
  });
});

describe('docker-compose.yml', () => {
  const compose = docs('docker-compose.yml')[0];

  it('builds every berserkr image it runs, from docker/Dockerfile, instead of pulling a tag no registry has', () => {
    const berserkr = Object.entries(compose.services as Record<string, Json>).filter(([, s]) => /^berserkr:/.test(s.image ?? ''));
    expect(berserkr.map(([name]) => name).sort()).toEqual(['app', 'scheduler']);
    for (const [name, service] of berserkr) {
      expect([name, service.build?.dockerfile]).toEqual([name, 'docker/Dockerfile']);
      expect(join(DOCKER, service.build.context)).toBe(ROOT);
      expect(existsSync(join(DOCKER, service.build.context, service.build.dockerfile))).toBe(true);
    }
    expect(compose.services.scheduler.build).toEqual(compose.services.app.build);
  });

  it('mounts the checkout\'s configurations read-only over the image\'s', () => {
    for (const name of ['app', 'scheduler']) expect([name, compose.services[name].volumes]).toEqual([name, ['../config:/app/config:ro']]);
  });
});

describe('the pipeline CronJob', () => {
  const jobSpec = cron.spec.jobTemplate.spec;
  const pod = jobSpec.template.spec;
  const [container] = pod.containers;

  /**
   * What the Job controller makes of the pipeline container exiting with `code`: the
   * code the pod ends with after tini's `-e` remapping, then the first podFailurePolicy
   * rule that matches it (or the default, Count).
   */
  function outcome(code: number): string {
    const command: string[] = container.command;
    const remapped = command.flatMap((arg, i) => (arg === '-e' && i < command.indexOf('--') ? [Number(command[i + 1])] : []));
    const exit = remapped.includes(code) ? 0 : code;
    if (exit === 0) return 'Succeeded';
    for (const rule of jobSpec.podFailurePolicy.rules as Json[]) {
      const on = rule.onExitCodes;
      if (on === undefined || (on.containerName ?? container.name) !== container.name) continue;
      if ((on.operator === 'In') === (on.values as number[]).includes(exit)) return rule.action;
    }
    return 'Count';
  }

  it('runs the image\'s entrypoint under tini with exit code 4 (lock held) mapped to success', () => {
    const entrypoint = readFileSync(join(DOCKER, 'Dockerfile'), 'utf8').match(/^ENTRYPOINT (.*)$/m)![1];
    const [tini, ...rest] = JSON.parse(entrypoint) as string[];
    expect(container.command).toEqual([tini, '-e', '4', ...rest]);
    expect(tini).toBe('/usr/bin/tini');
  });

  it('waits for a held lock longer than its lease before a tick skips, so a retry after a killed run runs', () => {
    const env = Object.fromEntries((container.env as Json[]).filter((e) => 'value' in e).map((e) => [e.name, e.value]));
    const ms = (d: string) => Number(/^(\d+)m$/.exec(d)![1]) * 60_000;
    const lease = (settings.data as Record<string, string>).BERSERKR_LOCK_LEASE ?? '2m';
    expect(ms(env.BERSERKR_LOCK_WAIT)).toBeGreaterThan(ms(lease));
  });

  it('succeeds on exit 0 and 4, fails at once on 2 and 3, counts other failures towards backoffLimit', () => {
    expect(pod.restartPolicy).toBe('Never'); // podFailurePolicy requires it
    expect([0, 4, 2, 3, 1, 143].map((code) => [code, outcome(code)])).toEqual([
      [0, 'Succeeded'],
      [4, 'Succeeded'],
      [2, 'FailJob'],
      [3, 'FailJob'],
      [1, 'Count'],
      [143, 'Count'],
    ]);
    // No rule retries a held lock without counting it (Ignore on exit codes would loop).
    expect(jobSpec.podFailurePolicy.rules.filter((r: Json) => r.action === 'Ignore' && r.onExitCodes)).toEqual([]);
  });

  it('trains on as many threads as the CPUs it requests, not on every core of whatever node it lands on', () => {
    // Without a CPU limit (no cgroup quota) berserkr's default is every CPU of the node (lib/cpus.ts).
    const args: string[] = container.args;
    expect(args).toContain('--train-threads');
    expect(args[args.indexOf('--train-threads') + 1]).toBe(String(container.resources.limits?.cpu ?? container.resources.requests.cpu));
  });

  it('retries pods disrupted by eviction, preemption or a node drain without counting them', () => {
    expect(jobSpec.podFailurePolicy.rules).toContainEqual({ action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget' }] });
  });
});

describe('the scoring Job', () => {
  const [container] = job.spec.template.spec.containers;
  const env = Object.fromEntries(container.env.filter((e: Json) => 'value' in e).map((e: Json) => [e.name, e.value]));

  it('fails at once on bad usage (exit 2), which every retry of a shard would repeat', () => {
    expect(job.spec.template.spec.restartPolicy).toBe('Never'); // podFailurePolicy requires it
    expect(job.spec.podFailurePolicy.rules).toContainEqual({ action: 'FailJob', onExitCodes: { containerName: container.name, operator: 'In', values: [2] } });
    expect(job.spec.podFailurePolicy.rules).toContainEqual({ action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget' }] });
  });

  it('passes every shard the same --as-of, filled in once at submission like RUN_ID and MODEL_ID', () => {
    const args: string[] = container.args;
    expect(args[args.indexOf('--as-of') + 1]).toBe('$(AS_OF)');
    expect(env.AS_OF).toBe('${AS_OF}');
    expect(readFileSync(join(DOCKER, 'k8s', 'score-job.yaml'), 'utf8')).toContain("envsubst '$RUN_ID $MODEL_ID $AS_OF' < docker/k8s/score-job.yaml");
  });
});

describe('the data-set configuration in Kubernetes', () => {
  it('is the ConfigMap berserkr-dataset, holding the bundled configuration as it is in config/', () => {
    expect([settings.metadata.name, dataset.kind, dataset.metadata.name]).toEqual(['berserkr-config', 'ConfigMap', 'berserkr-dataset']);
    const text = readFileSync(join(ROOT, 'config', 'online-retail.yaml'), 'utf8');
    expect(dataset.data['dataset.yaml']).toBe(text);
    expect(loadConfig(dataset.data['dataset.yaml'], 'berserkr-dataset').name).toBe('online-retail');
  });

  it.each(pods)('%s mounts it, read-only, at the path BERSERKR_CONFIG names', (_file, pod) => {
    const path: string = settings.data.BERSERKR_CONFIG;
    const [container] = pod.containers;
    expect(container.envFrom).toContainEqual({ configMapRef: { name: settings.metadata.name } });
    const mount = container.volumeMounts.find((m: Json) => path.startsWith(`${m.mountPath}/`));
    expect(mount).toMatchObject({ readOnly: true });
    const volume = pod.volumes.find((v: Json) => v.name === mount.name);
    expect(volume.configMap.name).toBe(dataset.metadata.name);
    expect(Object.keys(dataset.data)).toContain(path.slice(mount.mountPath.length + 1));
  });
});
