// deploy/paxos-node@.service: systemd's own checker accepts it (systemd-analyze verify, and an
// offline `security` exposure score), its command is a valid node command whose paths are the
// ones init writes and the unit makes writable, and it runs with the hardening it claims.
// systemd-analyze needs no running systemd; where it is missing these checks are skipped (say so).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeDataPath } from '../../src/cluster/data-dir.js';
import { nodeKeyPath } from '../../src/cluster/keys.js';
import { parseNodeArgs, type NodeCommandOptions } from '../../src/node/main.js';
import { REPO_ROOT } from './dockerfile.js';

const UNIT = path.join(REPO_ROOT, 'deploy/paxos-node@.service');
const INSTANCE = 3;
/** The highest exposure `systemd-analyze security` may give, times ten (its --threshold). */
const EXPOSURE_THRESHOLD = 25;

/** The unit's [section] key=value pairs, in order (a key may repeat). */
function unitEntries(text: string): { section: string; key: string; value: string }[] {
  const out: { section: string; key: string; value: string }[] = [];
  let section = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const s = /^\[(.+)\]$/.exec(line);
    if (s !== null) {
      section = s[1]!;
      continue;
    }
    const eq = line.indexOf('=');
    out.push({ section, key: line.slice(0, eq), value: line.slice(eq + 1) });
  }
  return out;
}

const text = fs.readFileSync(UNIT, 'utf8');
const entries = unitEntries(text);
const service = (key: string): string[] => entries.filter((e) => e.section === 'Service' && e.key === key).map((e) => e.value);
const one = (key: string): string => {
  const v = service(key);
  expect(v, key).toHaveLength(1);
  return v[0]!;
};

function which(cmd: string): string | null {
  try {
    return execFileSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
}

describe('paxos-node@.service, read as text', () => {
  const execStart = (): string[] => one('ExecStart').split(/\s+/);

  it('runs paxos-cli node N with the cluster folder init writes for node N, and data where systemd lets it write', () => {
    const argv = execStart().map((a) => a.replaceAll('%i', String(INSTANCE)));
    expect(argv[0]).toMatch(/\/node$/);
    expect(argv[1]).toMatch(/\/bin\/paxos-cli\.js$/);
    expect(argv[2]).toBe('node');
    const parsed = parseNodeArgs(argv.slice(3));
    expect(typeof parsed, 'ExecStart has node options paxos-cli refuses').toBe('object');
    const o = parsed as NodeCommandOptions;
    expect(o.id).toBe(INSTANCE);

    // --cluster DIR/cluster.json, the key at its default place: init's node-N folder, as copied.
    const folder = path.dirname(o.cluster);
    expect(path.basename(folder)).toBe(path.basename(nodeDataPath('/init-out', INSTANCE)));
    expect(path.basename(o.cluster)).toBe('cluster.json');
    expect(o.keyFile).toBeUndefined();
    expect(path.relative(folder, nodeKeyPath(folder, INSTANCE))).toBe(`keys/node-${INSTANCE}.key`);
    expect(service('ReadOnlyPaths').map((p) => p.replaceAll('%i', String(INSTANCE)))).toEqual([folder]);

    // --data-dir is the StateDirectory= (made by systemd, owned by the service user) and the
    // one writable path under ProtectSystem=strict.
    const state = one('StateDirectory').replaceAll('%i', String(INSTANCE));
    expect(o.dataDir).toBe(path.join('/var/lib', state));
    expect(service('ReadWritePaths').map((p) => p.replaceAll('%i', String(INSTANCE)))).toEqual([o.dataDir]);
    expect(one('StateDirectoryMode')).toBe('0700');
  });

  it('runs as a dedicated user, restarts on failure but not after a refused configuration, and is hardened', () => {
    expect(one('User')).toBe('paxos');
    expect(one('Group')).toBe('paxos');
    expect(one('Restart')).toBe('on-failure');
    expect(one('RestartPreventExitStatus')).toBe('2');
    for (const [key, value] of Object.entries({
      NoNewPrivileges: 'yes',
      ProtectSystem: 'strict',
      ProtectHome: 'yes',
      PrivateTmp: 'yes',
      PrivateDevices: 'yes',
      CapabilityBoundingSet: '',
      UMask: '0077',
    })) {
      expect(one(key), key).toBe(value);
    }
    // V8 needs writable-then-executable memory; ZeroMQ sets its threads' scheduling.
    expect(service('MemoryDenyWriteExecute')).toEqual([]);
    expect(service('SystemCallFilter').join(' ')).not.toMatch(/~.*@resources/);
    expect(entries.find((e) => e.section === 'Install')?.value).toBe('multi-user.target');
  });
});

const analyze = which('systemd-analyze');
const skipNote = 'skipped: systemd-analyze is not installed (apt-get install systemd)';

describe.skipIf(analyze === null)(`paxos-node@.service, checked by systemd-analyze${analyze === null ? ` (${skipNote})` : ''}`, () => {
  let dir: string;

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paxos-unit-'));
  });
  afterAll(() => {
    if (dir !== undefined) fs.rmSync(dir, { recursive: true, force: true });
  });

  /**
   * Writes the unit (node where this machine has it, since verify checks that ExecStart's program
   * exists) as a template in its own folder, and names the instance to check.
   */
  function instance(unitText: string, name: string): string {
    const sub = path.join(dir, name);
    fs.mkdirSync(sub);
    fs.writeFileSync(path.join(sub, 'paxos-node@.service'), unitText.replace(/^ExecStart=\S+/m, `ExecStart=${process.execPath}`));
    return path.join(sub, `paxos-node@${INSTANCE}.service`);
  }

  /** systemd-analyze verify: its exit code and the lines it has about this unit. */
  async function verify(file: string): Promise<{ exitCode: number | undefined; lines: string[] }> {
    const r = await execa(analyze!, ['verify', file], { reject: false, timeout: 60_000, all: true });
    const lines = (r.all ?? '').split('\n').filter((l) => l.includes('paxos-node@'));
    return { exitCode: r.exitCode, lines };
  }

  it('verify: no error and no warning', async () => {
    const r = await verify(instance(text, 'as-is'));
    expect(r.lines).toEqual([]);
    expect(r.exitCode).toBe(0);
  });

  it('verify: a broken copy is refused (so the check can fail)', async () => {
    const broken = {
      'misspelt-key': text.replace('Restart=on-failure', 'Restrat=on-failure'),
      'bad-value': text.replace('ProtectSystem=strict', 'ProtectSystem=stricter'),
      'no-program': text.replace(/^ExecStart=\S+/m, 'ExecStart=/nonexistent/node'),
    };
    for (const [name, copy] of Object.entries(broken)) {
      expect(copy, name).not.toBe(text);
      // no-program keeps its path: instance() would put node back.
      const file = instance(copy, name);
      if (name === 'no-program') fs.writeFileSync(path.join(path.dirname(file), 'paxos-node@.service'), copy);
      const r = await verify(file);
      expect(r.lines.length > 0 || r.exitCode !== 0, name).toBe(true);
    }
  });

  it(`security: exposure at most ${EXPOSURE_THRESHOLD / 10} (systemd's "OK"), and above it without the hardening`, async () => {
    const run = (file: string) =>
      execa(analyze!, ['security', '--offline=true', `--threshold=${EXPOSURE_THRESHOLD}`, '--no-pager', file], { reject: false, timeout: 60_000, all: true });
    const r = await run(instance(text, 'security'));
    expect(r.exitCode, r.all).toBe(0);
    expect(r.all).toMatch(/Overall exposure level for paxos-node@3\.service: \d/);

    // The same unit with only User= and the ExecStart: the score must get worse than the threshold.
    const bare = text
      .split('\n')
      .filter((l) => !/^(NoNewPrivileges|CapabilityBoundingSet|AmbientCapabilities|Protect\w+|Private\w+|Restrict\w+|LockPersonality|RemoveIPC|SystemCall\w+|ProcSubset|UMask)=/.test(l))
      .join('\n');
    expect((await run(instance(bare, 'bare'))).exitCode).not.toBe(0);
  });
});
