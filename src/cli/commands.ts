// The REPL's command table: one place that help, the parser and tab completion all read.
import { CHAOS_DEFAULTS } from '../chaos/chaos-defaults.js';

export interface CommandSpec {
  readonly name: string;
  readonly usage: string;
  readonly summary: string;
  /** Which argument positions take a node id (for tab completion). */
  readonly nodeArgs: readonly number[];
  /** Its options, one line each, for `help NAME`. */
  readonly options?: readonly string[];
}

/** add and replace on a cluster across hosts (init's): where the new node runs. */
const HOST_OPTION =
  '--host H[:PORT]  the new node\'s host (a name or address the others reach; port 7001 unless given); required when the cluster spans hosts. add writes its folder node-N/ beside the cluster file: copy it there and start it with paxos-cli node';

export const COMMANDS: readonly CommandSpec[] = [
  { name: 'set', usage: 'set KEY VALUE', summary: 'write KEY through the leader; prints slot, leader, latency', nodeArgs: [] },
  {
    name: 'get',
    usage: 'get KEY [--from N] [--mode index|lease|log] | get KEY --local N | get --prefix P',
    summary: 'linearizable read by read index (no log slot); --local N reads node N (maybe stale)',
    nodeArgs: [],
    options: [
      '--from N      ask node N: a follower gets the read index from the leader, answers from its state',
      '--mode M      index (default: one heartbeat round), lease (the leader\'s lease, no round), log (a slot)',
      '--local N     node N\'s applied state as it is, no round: may be stale, says so',
      '--prefix P    every key starting with P and its value, in order (linearizable, by read index)',
    ],
  },
  { name: 'keys', usage: 'keys [PREFIX]', summary: 'list the keys (starting with PREFIX), in order; linearizable', nodeArgs: [] },
  { name: 'del', usage: 'del KEY', summary: 'delete KEY through the leader; says whether it was there', nodeArgs: [] },
  { name: 'kill', usage: 'kill N', summary: 'SIGKILL node N', nodeArgs: [0] },
  { name: 'stop', usage: 'stop N', summary: 'ask node N to exit cleanly (as on SIGTERM), through its admin API: works on any host', nodeArgs: [0] },
  { name: 'restart', usage: 'restart N', summary: 'start node N again (it replays its DB and catches up)', nodeArgs: [0] },
  { name: 'logs', usage: 'logs N', summary: "node N's whole log, full screen: PgUp/PgDn, Home/End, / search, f follow, q back", nodeArgs: [0] },
  {
    name: 'flow',
    usage: 'flow [on|off|hb]',
    summary: 'the messages between nodes as a diagram in place of the panes (Ctrl-T; turns the message trace on); flow hb shows heartbeats',
    nodeArgs: [],
  },
  {
    name: 'trace',
    usage: 'trace on|off',
    summary: "switch every node's message trace (messages.ndjson) on or off; off stops what the flow view or pause turned on",
    nodeArgs: [],
  },
  { name: 'diff', usage: 'diff', summary: "compare every node's chosen log slot by slot, hash each node's state", nodeArgs: [] },
  { name: 'status', usage: 'status', summary: 'role, port, ballots and indexes of every node', nodeArgs: [] },
  { name: 'leader', usage: 'leader', summary: 'which node leads now', nodeArgs: [] },
  {
    name: 'add',
    usage: 'add [--host H[:PORT]]',
    summary: 'add a node (next free id, a free port or --host\'s, new key pair): it joins as a learner, catches up, then becomes a voter',
    nodeArgs: [],
    options: [HOST_OPTION],
  },
  {
    name: 'remove',
    usage: 'remove N',
    summary: 'take node N out of the configuration (leadership moves away first); N exits by itself; refused if the rest would lose their quorum',
    nodeArgs: [0],
  },
  {
    name: 'replace',
    usage: 'replace N [--host H[:PORT]]',
    summary: "for a node whose disk was lost: stop N, remove it, add a new node in N's place (a new id and pane position)",
    nodeArgs: [0],
    options: [HOST_OPTION],
  },
  { name: 'transfer', usage: 'transfer N', summary: 'hand leadership to voter N and wait until it leads', nodeArgs: [0] },
  { name: 'members', usage: 'members', summary: 'the configuration in force (voters, learners, since which slot), the next one, each node\'s state', nodeArgs: [] },
  { name: 'partition', usage: 'partition 1,2|3,4,5', summary: 'cut the cluster into groups (every node in one); peers talk only within a group', nodeArgs: [] },
  { name: 'heal', usage: 'heal', summary: 'remove every partition and delay', nodeArgs: [] },
  { name: 'isolate', usage: 'isolate N', summary: 'cut node N off from all the others', nodeArgs: [0] },
  { name: 'slow', usage: 'slow N MS', summary: "delay node N's peer messages, in and out, by MS (0 removes)", nodeArgs: [0] },
  {
    name: 'chaos',
    usage: 'chaos [--duration S] [--clients C] [--keys K] [--seed N] [--json]',
    summary: 'workload + random kills/partitions, then heal, diff and check (Esc stops early)',
    nodeArgs: [],
    options: [
      `--duration S  seconds of workload under faults, 1 to 86400 (default ${CHAOS_DEFAULTS.durationSec})`,
      `--clients C   concurrent clients, 1 to 256 (default ${CHAOS_DEFAULTS.clients})`,
      `--keys K      distinct keys, 1 to 10000; fewer keys, more contention (default ${CHAOS_DEFAULTS.keys})`,
      '--seed N      nemesis and workload seed, to replay a run (default: random, printed)',
      '--json        the result as one JSON line (docs/json.md)',
    ],
  },
  { name: 'check', usage: 'check', summary: "check this session's operation history for linearizability", nodeArgs: [] },
  { name: 'pause', usage: 'pause', summary: 'step mode: freeze every node\'s clock and hold every peer message (clients may still submit); turns the message trace on', nodeArgs: [] },
  { name: 'held', usage: 'held', summary: 'step mode: list the held messages, oldest first, with their ids', nodeArgs: [] },
  {
    name: 'step',
    usage: 'step [K]',
    summary: 'step mode: deliver the oldest K held messages (default 1) and show what each caused',
    nodeArgs: [],
  },
  {
    name: 'deliver',
    usage: 'deliver ID',
    summary: 'step mode: deliver one held message: its id from held (3, #3) or FROM>TO (1>2, the oldest on that link)',
    nodeArgs: [],
  },
  { name: 'drop', usage: 'drop ID', summary: 'step mode: discard one held message (id as for deliver), as a lossy network would', nodeArgs: [] },
  { name: 'tick', usage: 'tick [N]', summary: "step mode: advance every node's clock N ticks (default 1): heartbeats, timeouts", nodeArgs: [] },
  { name: 'elect', usage: 'elect N', summary: 'step mode: node N starts phase 1 now (a Prepare with a higher ballot, no pre-vote)', nodeArgs: [0] },
  { name: 'resume', usage: 'resume', summary: 'leave step mode: deliver what is held, clocks run again', nodeArgs: [] },
  { name: 'help', usage: 'help [COMMAND]', summary: 'list commands, or explain one', nodeArgs: [] },
  { name: 'clear', usage: 'clear', summary: 'clear the result lines', nodeArgs: [] },
  { name: 'quit', usage: 'quit', summary: 'stop every node and exit', nodeArgs: [] },
];

export function findCommand(name: string): CommandSpec | undefined {
  return COMMANDS.find((c) => c.name === name);
}

/**
 * The command list packed into lines of at most `width` characters: short enough to show
 * whole on an 80x24 screen; `help COMMAND` gives the one-line explanation of each.
 */
export function helpLines(width = 76): string[] {
  const names = COMMANDS.map((c) => (c.usage.length > 24 ? `${c.name} [options]` : c.usage));
  const lines: string[] = [];
  let line = '';
  for (const n of names) {
    if (line !== '' && line.length + 3 + n.length > width) {
      lines.push(line);
      line = '';
    }
    line = line === '' ? `  ${n}` : `${line} · ${n}`;
  }
  if (line !== '') lines.push(line);
  lines.push('  help CMD explains one; Tab completes, ↑/↓ recall, ←/→ edit, Esc stops chaos');
  return lines;
}

export function helpText(topic?: string): string {
  if (topic !== undefined) {
    const spec = findCommand(topic);
    if (spec === undefined) return `no command "${topic}"; try: help`;
    const options = spec.options === undefined ? '' : `; options: ${spec.options.map((o) => o.replace(/\s{2,}/, ' ')).join('; ')}`;
    return `${spec.usage} — ${spec.summary}${options}`;
  }
  return 'commands: ' + COMMANDS.map((c) => c.usage).join(' | ');
}

/** `help NAME`'s extra lines for the UI: its options, one per line. */
export function helpOptionLines(topic: string): string[] {
  const spec = findCommand(topic);
  return spec?.options === undefined ? [] : ['options:', ...spec.options.map((o) => `  ${o}`)];
}

/**
 * Every REPL command with its summary (and chaos's options), for `paxos-cli up --help`, wrapped
 * to `width` columns: generated from the table, so it never drifts.
 */
export function replCommandList(width = 80): string[] {
  const shown = COMMANDS.map((c) => ({ c, usage: c.usage.length > 22 ? `${c.name} [options]` : c.usage }));
  const col = Math.max(...shown.map((s) => s.usage.length)) + 4;
  const lines: string[] = [];
  const wrap = (head: string, text: string) => {
    let line = head.padEnd(col);
    for (const word of text.split(' ')) {
      if (line.trim() !== head.trim() && line.length + 1 + word.length > width) {
        lines.push(line.trimEnd());
        line = ' '.repeat(col);
      }
      line += (line.endsWith(' ') ? '' : ' ') + word;
    }
    lines.push(line.trimEnd());
  };
  for (const { c, usage } of shown) {
    wrap(`  ${usage}`, c.summary);
    for (const o of c.options ?? []) {
      const [flag = '', ...rest] = o.split(/\s{2,}/);
      wrap(`      ${flag}`, rest.join(' '));
    }
  }
  return lines;
}
