// `paxos-cli init --hosts H1,H2,H3 --out DIR`: a cluster for real hosts. Writes the cluster file
// (addresses, ids, public keys), the operator's key for this terminal, and one folder per node
// with a copy of the cluster file and that node's secret key, to copy to its host:
//   DIR/cluster.json  DIR/keys/operator.key  DIR/node-N/cluster.json  DIR/node-N/keys/node-N.key
// A node's folder holds no other node's secret, and the operator's folder none of theirs.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { parseCluster, type Cluster } from '../cluster/cluster-file.js';
import { clusterFilePath, nodeDataPath } from '../cluster/data-dir.js';
import { DEFAULT_NODE_PORT, HostListError, parseHostList, showAddress, type HostEntry } from '../cluster/host-list.js';
import { newKeyPair, nodeKeyPath, operatorKeyPath, writeKeyFile } from '../cluster/keys.js';
import { resolveHost } from '../cluster/resolve-host.js';
import { asSubcommand, parseSubcommand } from '../command/subcommand.js';
import { jsonLine } from '../json/contract.js';

interface InitOptions {
  readonly hosts: string;
  readonly out: string;
  readonly port: number;
  readonly json: boolean;
}

function buildProgram(): Command {
  return asSubcommand(
    new Command('paxos-cli init')
      .description(
        'Write a cluster for real hosts: DIR/cluster.json (hosts, ports, node ids, public keys), DIR/keys/operator.key ' +
          '(this terminal\'s key, for attach and the one-shot commands) and DIR/node-N/ (cluster.json and node N\'s secret key) ' +
          'to copy to each host, where it runs: paxos-cli node --id N --cluster node-N/cluster.json --data-dir node-N/data',
      )
      .requiredOption('--hosts <list>', 'one host per node, in id order, comma-separated: names, IPv4, or IPv6 in brackets, each with an optional :PORT (e.g. h1,h2,h3 or 10.0.0.1:7001,[fd00::2]:7001)')
      .requiredOption('--out <dir>', 'where to write the cluster (must not exist yet, or be empty)')
      .option(
        '--port <port>',
        'the port of every host given without one',
        (raw: string) => {
          const n = Number(raw);
          if (!/^\d+$/.test(raw) || n < 1 || n > 65535) throw new InvalidArgumentError('--port must be 1 to 65535');
          return n;
        },
        DEFAULT_NODE_PORT,
      )
      .option('--json', 'print one JSON object: {"cmd":"init","ok":true,"dir",...,"nodes":[{"node","host","port","folder"}]}', false),
    'init',
  );
}

export async function runInitCommand(args: readonly string[], out: (s: string) => void = (s) => void process.stdout.write(s)): Promise<number> {
  const parsed = parseSubcommand<InitOptions>(buildProgram(), args);
  if (typeof parsed === 'number') return parsed;
  const opts = parsed;
  const fail = (msg: string, code = 1): number => {
    process.stderr.write(`paxos-cli init: ${msg}\n`);
    if (opts.json) out(jsonLine('init', false, { exitCode: code }, msg) + '\n');
    return code;
  };
  let entries: HostEntry[];
  try {
    entries = parseHostList(opts.hosts, opts.port);
  } catch (err) {
    if (err instanceof HostListError) return fail(err.message, 2);
    throw err;
  }
  const dir = path.resolve(opts.out);
  const emptyOrAbsent = !fs.existsSync(dir) || (fs.statSync(dir).isDirectory() && fs.readdirSync(dir).length === 0);
  if (!emptyOrAbsent) return fail(`${dir} already exists and is not empty; pick another --out (init never overwrites keys)`);

  const { duplicate, unresolved } = await resolveAll(entries);
  if (duplicate !== null) return fail(duplicate, 2);
  for (const name of unresolved) process.stderr.write(`paxos-cli init: note: ${name} does not resolve here; it must resolve on the cluster's hosts\n`);

  let cluster: Cluster;
  try {
    cluster = writeCluster(dir, entries);
  } catch (err) {
    return fail(`cannot write ${dir}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const nodes = cluster.nodes.map((n) => ({ node: n.id, host: n.host, port: n.port, folder: nodeDataPath(dir, n.id) }));
  if (opts.json) {
    out(jsonLine('init', true, { dir, clusterFile: clusterFilePath(dir), nodeCount: nodes.length, nodes }) + '\n');
    return 0;
  }
  out(`wrote a ${nodes.length}-node cluster to ${dir}\n`);
  for (const n of nodes) out(`  node ${n.node}  ${showAddress(n.host, n.port).padEnd(24)} copy ${n.folder}/ to that host\n`);
  out(
    `on each host:    paxos-cli node --id N --cluster node-N/cluster.json --data-dir node-N/data\n` +
      `from here:       paxos-cli status --cluster ${clusterFilePath(dir)}   (or attach ${clusterFilePath(dir)})\n` +
      `keep ${path.join(dir, 'keys')} and every node-N/keys secret: they are the cluster's credentials\n`,
  );
  return 0;
}

/**
 * Two entries that name one address once resolved are refused: two nodes cannot bind one port.
 * Names that resolve nowhere (or not within resolveHost's timeout) are let through: they may
 * resolve only on the cluster's network.
 */
async function resolveAll(entries: readonly HostEntry[]): Promise<{ duplicate: string | null; unresolved: string[] }> {
  const unresolved: string[] = [];
  const resolved = await Promise.all(
    entries.map(async (e) => {
      const all = await resolveHost(e.host);
      if (all === null) unresolved.push(e.host);
      return (all ?? []).map((a) => `${a}|${e.port}`);
    }),
  );
  const owner = new Map<string, number>();
  for (let i = 0; i < resolved.length; i++) {
    for (const addr of resolved[i]!) {
      const first = owner.get(addr);
      if (first !== undefined && first !== i) {
        const [ip, port] = addr.split('|');
        return {
          duplicate: `nodes ${first + 1} (${entries[first]!.host}) and ${i + 1} (${entries[i]!.host}) are both ${showAddress(ip!, Number(port))}; give each node its own host or port`,
          unresolved,
        };
      }
      owner.set(addr, i);
    }
  }
  return { duplicate: null, unresolved };
}

function writeCluster(dir: string, entries: readonly HostEntry[]): Cluster {
  const operator = newKeyPair();
  const nodeKeys = entries.map(() => newKeyPair());
  const cluster = parseCluster(
    JSON.stringify({
      nodes: entries.map((e, i) => ({ id: i + 1, host: e.host, port: e.port, publicKey: nodeKeys[i]!.publicKey })),
      operatorKeys: [operator.publicKey],
      clusterId: randomUUID(),
      hasRun: [],
    }),
  );
  const text = JSON.stringify(cluster, null, 2) + '\n';
  fs.mkdirSync(dir, { recursive: true });
  writeKeyFile(operatorKeyPath(dir), operator);
  fs.writeFileSync(clusterFilePath(dir), text);
  for (const n of cluster.nodes) {
    const folder = nodeDataPath(dir, n.id);
    fs.mkdirSync(folder, { recursive: true, mode: 0o700 });
    fs.writeFileSync(clusterFilePath(folder), text);
    writeKeyFile(nodeKeyPath(folder, n.id), nodeKeys[n.id - 1]!);
  }
  return cluster;
}
