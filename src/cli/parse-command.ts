// The REPL parser: one line in, a typed command or a one-line error out. Pure; table-tested.
import { HostListError, parseHostEntry } from '../cluster/host-list.js';
import type { AskedPlace } from '../cluster/membership-plan.js';
import { findCommand, COMMANDS } from './commands.js';
import { parseFaultCommand, type FaultCommand } from './parse-fault-command.js';
import { parseHeldSelector, type HeldSelector } from './step-control.js';
import { parseNodeId, type NodeIds } from './node-ids.js';

export type ReplCommand =
  | { readonly kind: 'set'; readonly key: string; readonly value: string }
  | { readonly kind: 'get'; readonly key: string; readonly local?: number; readonly from?: number; readonly mode?: 'index' | 'lease' | 'log' }
  /** keys [PREFIX] (values false) and get --prefix P (values true). */
  | { readonly kind: 'range'; readonly prefix: string; readonly values: boolean }
  | { readonly kind: 'del'; readonly key: string }
  | { readonly kind: 'kill'; readonly node: number }
  | { readonly kind: 'stop'; readonly node: number }
  /** Every node's message trace, switched whatever this terminal believes it is. */
  | { readonly kind: 'trace'; readonly on: boolean }
  | { readonly kind: 'restart'; readonly node: number }
  | { readonly kind: 'logs'; readonly node: number }
  /** The flow view: toggled, shown, hidden, or its heartbeats toggled. */
  | { readonly kind: 'flow'; readonly how: FlowHow }
  | { readonly kind: 'diff' }
  | { readonly kind: 'status' }
  | { readonly kind: 'leader' }
  | { readonly kind: 'help'; readonly topic?: string }
  | { readonly kind: 'clear' }
  | { readonly kind: 'quit' }
  | { readonly kind: 'pause' | 'resume' | 'held' }
  | { readonly kind: 'step'; readonly count: number }
  | { readonly kind: 'tick'; readonly count: number }
  | { readonly kind: 'deliver' | 'drop'; readonly target: HeldSelector }
  | { readonly kind: 'elect'; readonly node: number }
  /** Membership: add a node; remove, replace or hand leadership to node N; show the configuration. */
  | { readonly kind: 'add'; readonly at?: AskedPlace }
  | { readonly kind: 'replace'; readonly node: number; readonly at?: AskedPlace }
  | { readonly kind: 'remove' | 'transfer'; readonly node: number }
  | { readonly kind: 'members' }
  | FaultCommand;

export type FlowHow = 'toggle' | 'on' | 'off' | 'heartbeats';

export type ParseResult =
  | { readonly ok: true; readonly cmd: ReplCommand }
  | { readonly ok: false; readonly error: string }
  /** Blank line or only a comment: nothing to do. */
  | { readonly ok: true; readonly cmd: null };

/** Keys and values are bounded so one typo cannot produce a giant frame. */
export const MAX_KEY_LENGTH = 256;
export const MAX_VALUE_LENGTH = 64 * 1024;

/**
 * The line without its comment: a `#` at the start or after whitespace, outside quotes, starts
 * one (as in a shell), so a line copied from the README with `# OK slot 12 …` after it runs as
 * the command alone. A `#` inside a word (`a#b`) or in quotes (`set k "x # y"`) is data.
 */
export function stripComment(line: string): string {
  let quote: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string;
    if (quote !== null) {
      if (c === quote) quote = null;
    } else if (c === '"' || c === "'") {
      quote = c;
    } else if (c === '#' && (i === 0 || /\s/.test(line[i - 1] as string))) {
      return line.slice(0, i).trimEnd();
    }
  }
  return line;
}

/** Splits on whitespace; "double" or 'single' quotes keep spaces inside one word. */
export function tokenize(line: string): { words: string[] } | { error: string } {
  const words: string[] = [];
  let i = 0;
  while (i < line.length) {
    const ch = line[i] as string;
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    let word = '';
    while (i < line.length && !/\s/.test(line[i] as string)) {
      const c = line[i] as string;
      if (c === '"' || c === "'") {
        const end = line.indexOf(c, i + 1);
        if (end < 0) return { error: `unclosed ${c} quote` };
        word += line.slice(i + 1, end);
        i = end + 1;
      } else {
        word += c;
        i++;
      }
    }
    words.push(word);
  }
  return { words };
}

function fail(error: string): ParseResult {
  return { ok: false, error };
}


function checkKey(key: string | undefined, usage: string): string | null {
  if (key === undefined || key === '') return `missing key; usage: ${usage}`;
  if (key.length > MAX_KEY_LENGTH) return `key too long (${key.length} chars, at most ${MAX_KEY_LENGTH})`;
  return null;
}

/** `nodes`: the node count (ids 1..N) or, for a cluster whose ids grew, the ids. */
export function parseCommand(line: string, nodeCount: NodeIds): ParseResult {
  const trimmed = stripComment(line.trim());
  if (trimmed === '') return { ok: true, cmd: null };
  const tok = tokenize(trimmed);
  if ('error' in tok) return fail(tok.error);
  return parseWords(tok.words, nodeCount);
}

/**
 * A command from its words, already split: what a line comes to after tokenize, and what a
 * one-shot command gets from its argv (no quoting to undo, so any value arrives as typed).
 */
export function parseWords(words: readonly string[], nodeCount: NodeIds): ParseResult {
  const [name = '', ...args] = words;
  const spec = findCommand(name.toLowerCase());
  if (spec === undefined) {
    const near = COMMANDS.filter((c) => c.name.startsWith(name.toLowerCase().slice(0, 2))).map((c) => c.name);
    const hint = near.length > 0 ? ` (did you mean ${near.join(' or ')}?)` : '';
    return fail(`unknown command "${name}"${hint}; type help for the list`);
  }
  const usage = spec.usage;
  const tooMany = (max: number): ParseResult | null =>
    args.length > max ? fail(`too many arguments; usage: ${usage}`) : null;

  switch (spec.name) {
    case 'set': {
      const keyErr = checkKey(args[0], usage);
      if (keyErr !== null) return fail(keyErr);
      if (args.length < 2) return fail(`missing value; usage: ${usage}`);
      // Unquoted spaces are forgiving: `set k hello world` stores "hello world".
      const value = args.slice(1).join(' ');
      if (value.length > MAX_VALUE_LENGTH) return fail(`value too long (${value.length} chars, at most ${MAX_VALUE_LENGTH})`);
      return { ok: true, cmd: { kind: 'set', key: args[0] as string, value } };
    }
    case 'get': {
      let local: number | undefined;
      let from: number | undefined;
      let mode: 'index' | 'lease' | 'log' | undefined;
      let prefix: string | undefined;
      const words: string[] = [];
      for (let i = 0; i < args.length; i++) {
        const a = args[i] as string;
        const opt = /^--(local|from|mode|prefix)(?:=(.*))?$/.exec(a);
        if (opt !== null) {
          const raw = opt[2] ?? args[++i];
          if (opt[1] === 'mode') {
            if (raw !== 'index' && raw !== 'lease' && raw !== 'log') return fail(`--mode takes index, lease or log, not ${raw === undefined ? 'nothing' : `"${raw}"`}; usage: ${usage}`);
            mode = raw;
          } else if (opt[1] === 'prefix') {
            if (raw === undefined) return fail(`--prefix needs a prefix (--prefix "" lists every key); usage: ${usage}`);
            prefix = raw;
          } else {
            const id = parseNodeId(raw, nodeCount, usage);
            if (typeof id === 'string') return fail(id);
            if (opt[1] === 'local') local = id;
            else from = id;
          }
        } else if (a.startsWith('--')) {
          return fail(`unknown option ${a}; usage: ${usage}`);
        } else {
          words.push(a);
        }
      }
      if (prefix !== undefined) {
        if (words.length > 0 || local !== undefined || from !== undefined || mode !== undefined) return fail(`get --prefix P takes no key or other option; usage: ${usage}`);
        return { ok: true, cmd: { kind: 'range', prefix, values: true } };
      }
      const keyErr = checkKey(words[0], usage);
      if (keyErr !== null) return fail(keyErr);
      if (words.length > 1) return fail(`too many arguments; usage: ${usage}`);
      if (local !== undefined && (from !== undefined || mode !== undefined)) return fail(`--local N reads one node as it is: no --from or --mode with it; usage: ${usage}`);
      if (mode === 'log' && from !== undefined) return fail(`--mode log goes through the leader's log: no --from with it; usage: ${usage}`);
      const key = words[0] as string;
      return { ok: true, cmd: { kind: 'get', key, ...(local !== undefined ? { local } : {}), ...(from !== undefined ? { from } : {}), ...(mode !== undefined ? { mode } : {}) } };
    }
    case 'keys': {
      if (args.length > 1) return fail(`too many arguments; usage: ${usage}`);
      return { ok: true, cmd: { kind: 'range', prefix: args[0] ?? '', values: false } };
    }
    case 'del': {
      const keyErr = checkKey(args[0], usage);
      if (keyErr !== null) return fail(keyErr);
      return tooMany(1) ?? { ok: true, cmd: { kind: 'del', key: args[0] as string } };
    }
    case 'pause':
    case 'resume':
    case 'held':
      return tooMany(0) ?? { ok: true, cmd: { kind: spec.name } };
    case 'step':
    case 'tick': {
      const max = spec.name === 'step' ? 100 : 1000;
      const raw = args[0] ?? '1';
      if (!/^\d{1,4}$/.test(raw) || Number(raw) < 1 || Number(raw) > max) return fail(`${spec.name} takes a count from 1 to ${max}, not "${raw}"; usage: ${usage}`);
      return tooMany(1) ?? { ok: true, cmd: { kind: spec.name, count: Number(raw) } };
    }
    case 'deliver':
    case 'drop': {
      if (args[0] === undefined) return fail(`missing message id; usage: ${usage} (held lists the ids)`);
      const target = parseHeldSelector(args[0], nodeCount);
      if (typeof target === 'string') return fail(target);
      return tooMany(1) ?? { ok: true, cmd: { kind: spec.name, target } };
    }
    case 'add':
    case 'replace': {
      const at = parseHostOption(args, usage);
      if (typeof at === 'string') return fail(at);
      const place = at.at !== undefined ? { at: at.at } : {};
      if (spec.name === 'add') return at.rest.length > 0 ? fail(`too many arguments; usage: ${usage}`) : { ok: true, cmd: { kind: 'add', ...place } };
      const id = parseNodeId(at.rest[0], nodeCount, usage);
      if (typeof id === 'string') return fail(id);
      return at.rest.length > 1 ? fail(`too many arguments; usage: ${usage}`) : { ok: true, cmd: { kind: 'replace', node: id, ...place } };
    }
    case 'remove':
    case 'transfer':
    case 'elect':
    case 'kill':
    case 'stop':
    case 'restart':
    case 'logs': {
      const id = parseNodeId(args[0], nodeCount, usage);
      if (typeof id === 'string') return fail(id);
      return tooMany(1) ?? { ok: true, cmd: { kind: spec.name, node: id } };
    }
    case 'flow': {
      const word = args[0]?.toLowerCase();
      const how: FlowHow | null = word === undefined ? 'toggle' : word === 'on' || word === 'off' ? word : word === 'hb' || word === 'heartbeats' ? 'heartbeats' : null;
      if (how === null) return fail(`flow takes on, off or hb, not "${args[0] ?? ''}"; usage: ${usage}`);
      return tooMany(1) ?? { ok: true, cmd: { kind: 'flow', how } };
    }
    case 'trace': {
      const word = args[0]?.toLowerCase();
      if (word !== 'on' && word !== 'off') return fail(`trace takes on or off${args[0] === undefined ? '' : `, not "${args[0]}"`}; usage: ${usage}`);
      return tooMany(1) ?? { ok: true, cmd: { kind: 'trace', on: word === 'on' } };
    }
    case 'help': {
      if (args[0] !== undefined && findCommand(args[0]) === undefined) {
        return fail(`no command "${args[0]}"; type help for the list`);
      }
      return tooMany(1) ?? { ok: true, cmd: args[0] === undefined ? { kind: 'help' } : { kind: 'help', topic: args[0] } };
    }
    case 'members':
    case 'diff':
    case 'status':
    case 'leader':
    case 'clear':
    case 'quit':
      return tooMany(0) ?? { ok: true, cmd: { kind: spec.name } };
    case 'partition':
    case 'heal':
    case 'isolate':
    case 'slow':
    case 'check':
    case 'chaos':
      return parseFaultCommand(spec.name, args, nodeCount, usage);
    default:
      throw new Error(`parseCommand: command table has "${spec.name}" but the parser does not`);
  }
}

/** `--host H[:PORT]` (or `--host=…`) of add and replace, and the other words. */
function parseHostOption(args: readonly string[], usage: string): { at?: AskedPlace; rest: string[] } | string {
  const rest: string[] = [];
  let at: AskedPlace | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    const opt = /^--host(?:=(.*))?$/.exec(a);
    if (opt === null) {
      if (a.startsWith('--')) return `unknown option ${a}; usage: ${usage}`;
      rest.push(a);
      continue;
    }
    const raw = opt[1] ?? args[++i];
    if (raw === undefined || raw.trim() === '') return `--host needs the new node's address, e.g. --host 10.0.0.4 or --host h4:7001; usage: ${usage}`;
    if (at !== undefined) return `--host given twice; usage: ${usage}`;
    try {
      // Port 0 stands for "not given": a port written out is 1 to 65535.
      const e = parseHostEntry(raw, 0);
      at = { host: e.host, port: e.port === 0 ? null : e.port };
    } catch (err) {
      if (err instanceof HostListError) return `${err.message}; usage: ${usage}`;
      throw err;
    }
  }
  return at !== undefined ? { at, rest } : { rest };
}
