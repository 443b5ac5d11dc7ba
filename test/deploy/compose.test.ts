// compose.yaml is a valid Compose file (the Compose Specification's JSON schema, checked with Ajv),
// its services mount exactly what `paxos-cli init --hosts n1,...,n5 --out cluster` writes, and the
// Dockerfile's entry command is the node command. Running the containers needs a Docker daemon,
// which CI does not have: docs/deploy.md says what was run by hand, and how.
//
// test/deploy/compose-spec.json is the schema of github.com/compose-spec/compose-spec,
// schema/compose-spec.json at commit 170098ba07d9f53c383a41bfd4c5166b0a4529a6 (last changed in
// a08f8d51631b7127ddac3d2c65537db429d0f1d0), Apache-2.0: the draft-07 copy that repository keeps
// for validators such as Ajv 6. Docker Compose v2 validates with the same schema (compose-go keeps
// it as draft 2020-12, with fields newer than this copy; compose.yaml uses none of them).
// To refresh it, copy that file over this one and run this test.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import Ajv from 'ajv';
import { execa } from 'execa';
import yaml from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseNodeArgs, type NodeCommandOptions } from '../../src/node/main.js';
import { nodeKeyPath, operatorKeyPath } from '../../src/cluster/keys.js';
import { DOCKERFILE, REPO_ROOT, dockerEntrypoint, dockerfileInstructions, nodeCommandHere } from './dockerfile.js';

const BIN = path.join(REPO_ROOT, 'bin/paxos-cli.js');
const COMPOSE_FILE = path.join(REPO_ROOT, 'compose.yaml');
const PORTS_FILE = path.join(REPO_ROOT, 'deploy/compose.host-ports.yaml');
const SCHEMA_FILE = path.join(import.meta.dirname, 'compose-spec.json');
const NODE_IDS = [1, 2, 3, 4, 5];

const require = createRequire(import.meta.url);

/** Ajv over the Compose Specification's schema; each error as one line naming where it is. */
function composeValidator(): (doc: unknown) => string[] {
  const schema = JSON.parse(fs.readFileSync(SCHEMA_FILE, 'utf8')) as { $schema: string };
  const ajv = new Ajv({ allErrors: true });
  // The schema names draft-07 by its https address; Ajv 6 ships that meta-schema under the http
  // one. Registered under both, the schema is itself checked against draft-07 when compiled.
  const draft07 = require('ajv/lib/refs/json-schema-draft-07.json') as Record<string, unknown>;
  ajv.addMetaSchema({ ...draft07, $id: schema.$schema });
  const validate = ajv.compile(schema);
  return (doc) => {
    if (validate(doc) === true) return [];
    return (validate.errors ?? []).map((e) => `${e.dataPath === '' ? '(top level)' : e.dataPath} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
  };
}

const loadYaml = (file: string): unknown => yaml.load(fs.readFileSync(file, 'utf8'), { filename: file });

interface Service {
  image?: string;
  entrypoint?: string[];
  command?: string[];
  volumes?: string[];
  networks?: string[];
  ports?: string[];
  profiles?: string[];
  user?: string;
}
interface ComposeFile {
  services: Record<string, Service>;
  networks?: Record<string, unknown>;
  volumes?: Record<string, unknown>;
}

interface Mount {
  readonly source: string; // a host path (./... or /...) or a named volume
  readonly target: string;
  readonly readOnly: boolean;
  readonly bind: boolean;
}

/** Compose's short volume syntax, SOURCE:TARGET[:MODE], as compose.yaml writes it. */
function parseMount(spec: string): Mount {
  const [source, target, mode, ...rest] = spec.split(':');
  if (source === undefined || target === undefined || rest.length > 0) throw new Error(`volume ${spec} is not SOURCE:TARGET[:MODE]`);
  return { source, target, readOnly: mode === 'ro', bind: /^[./~]/.test(source) };
}

/** Where a path inside the container comes from on the host (projectDir holds compose.yaml). */
function hostPath(containerPath: string, mounts: readonly Mount[], projectDir: string): string | null {
  const m = mounts
    .filter((x) => x.bind && (containerPath === x.target || containerPath.startsWith(x.target + '/')))
    .sort((a, b) => b.target.length - a.target.length)[0];
  return m === undefined ? null : path.join(projectDir, m.source, containerPath.slice(m.target.length));
}

/** Every file at or under p (p itself when it is a file). */
function filesUnder(p: string): string[] {
  if (!fs.statSync(p).isDirectory()) return [p];
  return fs.readdirSync(p).flatMap((e) => filesUnder(path.join(p, e)));
}

describe('compose.yaml against the Compose Specification schema', () => {
  const validate = composeValidator();

  it('is valid, and so is the host-ports override', () => {
    expect(validate(loadYaml(COMPOSE_FILE))).toEqual([]);
    expect(validate(loadYaml(PORTS_FILE))).toEqual([]);
  });

  it('refuses broken copies (so the check can fail)', () => {
    const text = fs.readFileSync(COMPOSE_FILE, 'utf8');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paxos-compose-'));
    try {
      const broken: Record<string, string> = {
        'a misspelt service key': text.replace('  n3:\n    <<: *node\n', '  n3:\n    <<: *node\n    restrat: always\n'),
        'volumes as a string': text.replace('      - n2-data:/data\n', '').replace('    volumes:\n      - ./cluster/node-2:/etc/paxos:ro\n', '    volumes: ./cluster/node-2:/etc/paxos:ro\n'),
        'a number for the restart policy': text.replace('restart: on-failure', 'restart: 5'),
        'an unknown top-level key': text + '\nservice: {}\n',
        'a service name Compose does not allow': text.replace('  n4:\n', '  "n 4":\n'),
      };
      for (const [what, copy] of Object.entries(broken)) {
        expect(copy, `the ${what} edit did not apply`).not.toBe(text);
        const file = path.join(dir, 'compose.yaml');
        fs.writeFileSync(file, copy);
        expect(validate(loadYaml(file)), what).not.toEqual([]);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** A Compose implementation on this machine, if any: Docker Compose v2, or Debian's docker-compose (v1). */
async function composeCommand(): Promise<string[] | null> {
  for (const argv of [['docker', 'compose'], ['docker-compose']]) {
    const r = await execa(argv[0]!, [...argv.slice(1), 'version'], { reject: false, timeout: 30_000 });
    if (r.exitCode === 0) return argv;
  }
  return null;
}
const realCompose = await composeCommand();

// Not required (CI has no Compose): where one is installed, it reads the file as `up` would.
describe.skipIf(realCompose === null)(`compose.yaml read by ${realCompose?.join(' ') ?? 'Compose (skipped: neither `docker compose` nor `docker-compose` is installed)'}`, () => {
  const config = (file: string) => execa(realCompose![0]!, [...realCompose!.slice(1), '-f', file, 'config', '-q'], { reject: false, timeout: 60_000 });

  it('accepts compose.yaml, alone and with the host-ports override, and refuses a broken copy', async () => {
    const ok = await config(COMPOSE_FILE);
    expect(ok.exitCode, ok.stderr).toBe(0);
    const both = await execa(realCompose![0]!, [...realCompose!.slice(1), '-f', COMPOSE_FILE, '-f', PORTS_FILE, 'config', '-q'], { reject: false, timeout: 60_000 });
    expect(both.exitCode, both.stderr).toBe(0);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paxos-compose-real-'));
    try {
      const file = path.join(dir, 'compose.yaml');
      fs.writeFileSync(file, fs.readFileSync(COMPOSE_FILE, 'utf8').replace('restart: on-failure', 'restart: 5'));
      expect((await config(file)).exitCode).not.toBe(0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('compose.yaml and the output of init', () => {
  let project: string; // holds cluster/, as the directory of compose.yaml does
  let compose: ComposeFile;
  let init: { nodes: { node: number; host: string; port: number; folder: string }[] };

  beforeAll(async () => {
    if (!fs.existsSync(path.join(REPO_ROOT, 'dist/cli/main.js'))) throw new Error('run `npm run build` first: the CLI runs from dist/');
    project = fs.mkdtempSync(path.join(os.tmpdir(), 'paxos-compose-init-'));
    const r = await execa(process.execPath, [BIN, 'init', '--hosts', NODE_IDS.map((i) => `n${i}`).join(','), '--out', path.join(project, 'cluster'), '--json'], {
      reject: false,
      timeout: 60_000,
    });
    expect(r.exitCode, r.stderr).toBe(0);
    init = JSON.parse(r.stdout) as typeof init;
    compose = loadYaml(COMPOSE_FILE) as ComposeFile;
  });

  afterAll(() => {
    if (project !== undefined) fs.rmSync(project, { recursive: true, force: true });
  });

  const exposedPort = (): number => {
    const expose = dockerfileInstructions(fs.readFileSync(DOCKERFILE, 'utf8')).filter((i) => i.keyword === 'EXPOSE');
    expect(expose).toHaveLength(1);
    return Number(expose[0]!.args);
  };

  it('runs one service per node, named as the cluster file names its host, on the port the image exposes', () => {
    expect(init.nodes.map((n) => [n.node, n.host, n.port])).toEqual(NODE_IDS.map((i) => [i, `n${i}`, exposedPort()]));
    const nodeServices = Object.keys(compose.services).filter((s) => compose.services[s]!.profiles === undefined);
    expect(nodeServices.sort()).toEqual(init.nodes.map((n) => n.host).sort());
  });

  it("mounts each node's init folder and a volume of its own where its command looks for them", () => {
    const dataVolumes = new Set<string>();
    for (const n of init.nodes) {
      const svc = compose.services[n.host]!;
      const opts = parseNodeArgs(svc.command ?? []);
      expect(typeof opts, `service ${n.host}: its command is not valid node options`).toBe('object');
      const o = opts as NodeCommandOptions;
      expect(o.id).toBe(n.node);
      const mounts = (svc.volumes ?? []).map(parseMount);

      // The node's folder from init, read-only: its cluster file and its key at the default path.
      const clusterOnHost = hostPath(o.cluster, mounts, project);
      expect(clusterOnHost, `service ${n.host}: ${o.cluster} is on no bind mount`).not.toBeNull();
      expect(path.dirname(clusterOnHost!)).toBe(n.folder);
      expect(fs.existsSync(clusterOnHost!)).toBe(true);
      expect(o.keyFile).toBeUndefined();
      const keyOnHost = hostPath(nodeKeyPath(path.dirname(o.cluster), n.node), mounts, project);
      expect(keyOnHost).toBe(nodeKeyPath(n.folder, n.node));
      expect(fs.existsSync(keyOnHost!)).toBe(true);
      expect(mounts.filter((m) => m.bind).every((m) => m.readOnly), `service ${n.host}: its init folder must be mounted read-only`).toBe(true);

      // Its data: a named volume of its own, declared at the top level, at --data-dir.
      const data = mounts.filter((m) => !m.bind);
      expect(data).toHaveLength(1);
      expect(data[0]!.target).toBe(o.dataDir);
      expect(data[0]!.readOnly).toBe(false);
      expect(Object.keys(compose.volumes ?? {})).toContain(data[0]!.source);
      dataVolumes.add(data[0]!.source);

      // No other node's secret on it.
      for (const other of init.nodes.filter((x) => x.node !== n.node)) {
        const theirs = hostPath(nodeKeyPath(path.dirname(o.cluster), other.node), mounts, project);
        expect(theirs !== null && fs.existsSync(theirs), `service ${n.host} can read node ${other.node}'s key`).toBe(false);
      }
    }
    expect(dataVolumes.size).toBe(init.nodes.length);
  });

  it('puts every service on the one declared network, and publishes no port', () => {
    const declared = Object.keys(compose.networks ?? {});
    expect(declared).toHaveLength(1);
    for (const [name, svc] of Object.entries(compose.services)) {
      expect(svc.networks, name).toEqual(declared);
      expect(svc.ports, name).toBeUndefined();
    }
  });

  it('gives the cli service the cluster file and the operator key, and no node secret', () => {
    const cli = compose.services['cli']!;
    expect(cli.profiles).toEqual(['tools']);
    expect(cli.image).toBe(compose.services['n1']!.image);
    // The image's program without its `node` subcommand: the cli service runs the others.
    expect(cli.entrypoint).toEqual(dockerEntrypoint().slice(0, -1));
    const mounts = (cli.volumes ?? []).map(parseMount);
    expect(mounts.every((m) => m.bind && m.readOnly)).toBe(true);
    const clusterArg = cli.command![cli.command!.indexOf('--cluster') + 1]!;
    expect(hostPath(clusterArg, mounts, project)).toBe(path.join(project, 'cluster/cluster.json'));
    const keyOnHost = hostPath(operatorKeyPath(path.dirname(clusterArg)), mounts, project);
    expect(keyOnHost).toBe(operatorKeyPath(path.join(project, 'cluster')));
    expect(fs.existsSync(keyOnHost!)).toBe(true);
    const secrets = init.nodes.map((n) => nodeKeyPath(n.folder, n.node));
    for (const m of mounts) {
      const files = filesUnder(path.join(project, m.source));
      expect(files.filter((f) => secrets.includes(f)), `the cli service's mount ${m.source} holds a node's secret key`).toEqual([]);
    }
  });

  it('host-ports override: services of compose.yaml only, each node port on its own loopback port', () => {
    const ports = loadYaml(PORTS_FILE) as ComposeFile;
    const published = Object.entries(ports.services).map(([name, svc]) => {
      expect(Object.keys(compose.services), name).toContain(name);
      expect(svc.ports).toHaveLength(1);
      const [ip, hostPort, containerPort] = svc.ports![0]!.split(':');
      expect(ip).toBe('127.0.0.1');
      expect(Number(containerPort)).toBe(exposedPort());
      return Number(hostPort);
    });
    expect(published).toHaveLength(init.nodes.length);
    expect(new Set(published).size).toBe(published.length);
  });
});

describe('Dockerfile', () => {
  const text = fs.readFileSync(DOCKERFILE, 'utf8');
  const steps = dockerfileInstructions(text);
  const runtime = steps.slice(steps.map((s) => s.keyword).lastIndexOf('FROM'));
  const last = (keyword: string): string | undefined => runtime.filter((s) => s.keyword === keyword).at(-1)?.args;

  it('has one ENTRYPOINT, in JSON form, that runs the node subcommand of the app under /app', () => {
    expect(steps.filter((s) => s.keyword === 'ENTRYPOINT')).toHaveLength(1);
    const argv = dockerEntrypoint(text);
    expect(argv[0]).toBe('node');
    expect(argv[1]).toBe('/app/bin/paxos-cli.js');
    expect(argv.at(-1)).toBe('node');
    expect(nodeCommandHere()[1]).toBe(BIN);
  });

  it('runs as a user that is not root, keeps data in the /data volume, and exposes the node port', () => {
    const user = last('USER');
    expect(user).toBeDefined();
    expect(user!.split(':')[0]).not.toMatch(/^(root|0)$/);
    expect(last('VOLUME')).toBe('/data');
    expect(last('EXPOSE')).toBe('7001');
    expect(last('WORKDIR')).toBe('/app');
    expect(steps.find((s) => s.keyword === 'ARG')?.args).toBe('BASE=node:20-bookworm-slim');
  });

  it('keeps secrets and build output out of the build context', () => {
    const ignored = fs.readFileSync(path.join(REPO_ROOT, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim());
    for (const p of ['.git', 'node_modules', 'dist', 'paxos-data', 'paxos-runs', 'cluster']) expect(ignored, p).toContain(p);
    // init's output at the root is ignored; the source folder of the same name is not.
    const ignoredByGit = (p: string): boolean => spawnSync('git', ['check-ignore', '--no-index', '-q', p], { cwd: REPO_ROOT }).status === 0;
    expect(ignoredByGit('cluster/node-1/keys/node-1.key')).toBe(true);
    expect(ignoredByGit('src/cluster/new-module.ts')).toBe(false);
  });

  it("its entry command, with /app as this repository, is paxos-cli's node command", async () => {
    const [cmd, ...args] = nodeCommandHere();
    const r = await execa(cmd === 'node' ? process.execPath : cmd!, [...args, '--help'], { reject: false, timeout: 30_000 });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Usage: paxos-cli node /);
    expect(r.stdout).toContain('--data-dir');
  });
});
