// REPL parsing of the fault and verification commands: partition, heal, isolate, slow, check,
// chaos. Pure; called by parse-command.ts for these names.
import { MAX_SLOW_MS, validateGroups } from '../protocol/fault-rules.js';
import { idList, parseNodeId, type NodeIds } from './node-ids.js';

export type FaultCommand =
  | { readonly kind: 'partition'; readonly groups: readonly (readonly number[])[] }
  | { readonly kind: 'heal' }
  | { readonly kind: 'isolate'; readonly node: number }
  | { readonly kind: 'slow'; readonly node: number; readonly ms: number }
  | { readonly kind: 'check' }
  | {
      readonly kind: 'chaos';
      readonly durationSec?: number;
      readonly clients?: number;
      readonly keys?: number;
      readonly seed?: number;
      readonly json: boolean;
    };

export const FAULT_COMMAND_NAMES = ['partition', 'heal', 'isolate', 'slow', 'check', 'chaos'] as const;

type Result = { readonly ok: true; readonly cmd: FaultCommand } | { readonly ok: false; readonly error: string };

const fail = (error: string): Result => ({ ok: false, error });

const nodeId = parseNodeId;

/** `1,2|3,4,5`, `1,2 | 3,4,5` or `1 2 | 3 4 5`: groups split by `|`, ids by commas or spaces. */
export function parseGroups(args: readonly string[], nodeCount: NodeIds): number[][] | string {
  const text = args.join(' ');
  if (text.trim() === '') return 'missing groups; usage: partition 1,2|3,4,5';
  if (!text.includes('|')) return `one group only: separate the sides with |, e.g. partition 1,2|3,4,5`;
  const groups: number[][] = [];
  for (const part of text.split('|')) {
    const words = part.split(/[\s,]+/).filter((w) => w !== '');
    const group: number[] = [];
    for (const w of words) {
      const id = nodeId(w, nodeCount, 'partition 1,2|3,4,5');
      if (typeof id === 'string') return id;
      group.push(id);
    }
    groups.push(group);
  }
  const err = validateGroups(groups, idList(nodeCount));
  return err ?? groups;
}

const CHAOS_LIMITS = { '--duration': [1, 86_400], '--clients': [1, 256], '--keys': [1, 10_000], '--seed': [0, 2 ** 31 - 1] } as const;

export function parseFaultCommand(name: string, args: readonly string[], nodes: NodeIds, usage: string): Result {
  const nodeCount = idList(nodes).length;
  const tooMany = (max: number): Result | null => (args.length > max ? fail(`too many arguments; usage: ${usage}`) : null);
  switch (name) {
    case 'partition': {
      if (nodeCount < 2) return fail('a partition needs at least 2 nodes');
      const groups = parseGroups(args, nodes);
      return typeof groups === 'string' ? fail(groups) : { ok: true, cmd: { kind: 'partition', groups } };
    }
    case 'heal':
    case 'check':
      return tooMany(0) ?? { ok: true, cmd: { kind: name } };
    case 'isolate': {
      const id = nodeId(args[0], nodes, usage);
      if (typeof id === 'string') return fail(id);
      if (nodeCount < 2) return fail('isolate needs at least 2 nodes');
      return tooMany(1) ?? { ok: true, cmd: { kind: 'isolate', node: id } };
    }
    case 'slow': {
      const id = nodeId(args[0], nodes, usage);
      if (typeof id === 'string') return fail(id);
      const raw = args[1];
      if (raw === undefined) return fail(`missing delay in ms; usage: ${usage}`);
      const msText = raw.replace(/ms$/, '');
      if (!/^\d+$/.test(msText) || Number(msText) > MAX_SLOW_MS) return fail(`delay must be a whole number of ms from 0 to ${MAX_SLOW_MS} (0 removes it), got "${raw}"`);
      return tooMany(2) ?? { ok: true, cmd: { kind: 'slow', node: id, ms: Number(msText) } };
    }
    case 'chaos': {
      if (nodeCount < 3) return fail('chaos needs at least 3 nodes (a majority must survive a fault)');
      const out: { durationSec?: number; clients?: number; keys?: number; seed?: number } = {};
      let json = false;
      for (let i = 0; i < args.length; i++) {
        const a = args[i] as string;
        const [flag, inline] = a.includes('=') ? (a.split('=', 2) as [string, string]) : [a, undefined];
        if (flag === '--json') {
          json = true;
          continue;
        }
        if (!(flag in CHAOS_LIMITS)) return fail(`unknown option ${a}; usage: ${usage}`);
        const raw = inline ?? args[++i];
        const [min, max] = CHAOS_LIMITS[flag as keyof typeof CHAOS_LIMITS];
        if (raw === undefined || !/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
          return fail(`${flag} needs a whole number from ${min} to ${max}${raw === undefined ? '' : `, got "${raw}"`}`);
        }
        const n = Number(raw);
        if (flag === '--duration') out.durationSec = n;
        else if (flag === '--clients') out.clients = n;
        else if (flag === '--keys') out.keys = n;
        else out.seed = n;
      }
      return { ok: true, cmd: { kind: 'chaos', ...out, json } };
    }
    default:
      throw new Error(`parseFaultCommand: no parser for "${name}"`);
  }
}
