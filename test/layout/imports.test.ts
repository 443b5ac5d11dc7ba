// The architecture as a test: dependencies point down, and the node and client processes never
// pull in the CLI. A module-level import map read from the sources (no build needed), so a wrong
// import fails here with its file and line, before it fails anyone at run time.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = path.resolve(import.meta.dirname, '../../src');

interface Edge {
  readonly from: string; // e.g. node/main.ts
  readonly to: string; // e.g. cluster/keys.ts
  readonly line: number;
}

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sourceFiles(p) : /\.tsx?$/.test(e.name) ? [p] : [];
  });
}

function edges(): Edge[] {
  const out: Edge[] = [];
  for (const file of sourceFiles(SRC)) {
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    lines.forEach((text, i) => {
      for (const m of text.matchAll(/(?:from|import\(|^import)\s*['"](\.\.?\/[^'"]+)['"]/g)) {
        const target = path.resolve(path.dirname(file), m[1]!).replace(/\.js$/, '');
        const to = [target + '.ts', target + '.tsx'].find((p) => fs.existsSync(p));
        if (to !== undefined) out.push({ from: path.relative(SRC, file), to: path.relative(SRC, to), line: i + 1 });
      }
    });
  }
  return out;
}

const folder = (f: string): string => f.split(path.sep)[0]!;
const show = (e: Edge): string => `src/${e.from}:${e.line} imports src/${e.to}`;

/** The folders each folder may import (besides itself). */
const ALLOWED: Record<string, readonly string[]> = {
  paxos: [],
  protocol: ['paxos'],
  json: ['protocol', 'paxos'],
  trace: ['paxos'],
  command: ['json'],
  // cluster: what every process of a cluster shares (cluster file, keys) and what runs a cluster
  // (supervisor, data dir, fault control, diff); node is below it only for its file formats.
  cluster: ['client', 'node', 'protocol', 'json', 'trace', 'paxos'],
  node: ['cluster', 'protocol', 'command', 'json', 'trace', 'paxos'],
  client: ['cluster', 'protocol', 'json', 'paxos'],
  check: ['paxos', 'json'],
  runs: ['report', 'check', 'protocol', 'trace', 'json', 'paxos'],
  report: ['runs', 'check', 'trace', 'command', 'json', 'paxos'],
  bench: ['cluster', 'client', 'runs', 'command', 'protocol', 'json', 'paxos', 'check', 'trace'],
  chaos: ['cluster', 'client', 'check', 'runs', 'command', 'protocol', 'json', 'paxos', 'trace'],
  cli: ['chaos', 'bench', 'check', 'report', 'runs', 'cluster', 'client', 'node', 'protocol', 'command', 'json', 'trace', 'paxos'],
};

/** The files of src/cluster that node and client processes may use: nothing that runs a cluster. */
const CLUSTER_FILES_FOR_PROCESSES = new Set(['cluster/cluster-file.ts', 'cluster/host-list.ts', 'cluster/keys.ts', 'cluster/x25519.ts', 'cluster/z85.ts']);

describe('module layout', () => {
  const all = edges();

  it('finds the imports it checks', () => {
    // A parser that found nothing would pass every rule below.
    expect(all.length).toBeGreaterThan(200);
    expect(all.some((e) => e.from === 'node/main.ts' && e.to === 'cluster/keys.ts')).toBe(true);
  });

  it('every folder imports only the folders below it', () => {
    const bad = all.filter((e) => folder(e.from) !== folder(e.to) && !(ALLOWED[folder(e.from)] ?? []).includes(folder(e.to)));
    expect(bad.map(show)).toEqual([]);
  });

  it('every folder is in the table', () => {
    const folders = new Set(all.flatMap((e) => [folder(e.from), folder(e.to)]));
    expect([...folders].filter((f) => !(f in ALLOWED))).toEqual([]);
  });

  it('node and client use of src/cluster only the cluster file and the keys', () => {
    const bad = all.filter((e) => ['node', 'client'].includes(folder(e.from)) && folder(e.to) === 'cluster' && !CLUSTER_FILES_FOR_PROCESSES.has(e.to));
    expect(bad.map(show)).toEqual([]);
    const below = all.filter((e) => CLUSTER_FILES_FOR_PROCESSES.has(e.from) && folder(e.to) === 'cluster' && !CLUSTER_FILES_FOR_PROCESSES.has(e.to));
    expect(below.map(show)).toEqual([]);
  });

  it('the core imports nothing outside it', () => {
    expect(all.filter((e) => folder(e.from) === 'paxos' && folder(e.to) !== 'paxos').map(show)).toEqual([]);
  });
});
