// Fault injection rules, enforced by every node's transport: a partition (groups of nodes that
// can talk only among themselves) and per-node delays. Every node holds the same rules, so a
// partition is cut on both sides of each link and holds even while one side restarts. Pure.
import { z } from 'zod';
import type { NodeId } from '../paxos/types.js';

export const MAX_SLOW_MS = 10_000;

export interface SlowRule {
  readonly node: NodeId;
  readonly ms: number;
}

export interface FaultRules {
  /** null: no partition. Otherwise every cluster node is in exactly one group. */
  readonly groups: readonly (readonly NodeId[])[] | null;
  /** A slow node's peer messages, in and out, wait this long (enforced by that node only). */
  readonly slow: readonly SlowRule[];
}

export const NO_FAULTS: FaultRules = { groups: null, slow: [] };

const nodeId = z.number().int().min(1).max(1_000_000);
const groupsSchema = z.array(z.array(nodeId).min(1).max(1000).readonly()).min(1).max(1000).readonly();
const slowSchema = z.object({ node: nodeId, ms: z.number().int().min(0).max(MAX_SLOW_MS) });
export const faultRulesSchema = z.object({ groups: groupsSchema.nullable(), slow: z.array(slowSchema).max(1000).readonly() });

// Compile-time proof that the schema yields FaultRules.
type Assignable<T, U extends T> = U;
export type _FaultRulesCheck = Assignable<FaultRules, z.infer<typeof faultRulesSchema>>;

export const isFaultFree = (r: FaultRules): boolean => r.groups === null && r.slow.length === 0;

/** Whether a and b may exchange peer messages. A node missing from every group is alone. */
export function canReach(rules: FaultRules, a: NodeId, b: NodeId): boolean {
  if (rules.groups === null || a === b) return true;
  return rules.groups.some((g) => g.includes(a) && g.includes(b));
}

export function slowMsOf(rules: FaultRules, node: NodeId): number {
  return rules.slow.find((s) => s.node === node)?.ms ?? 0;
}

export type RulesResult = { readonly ok: true; readonly rules: FaultRules } | { readonly ok: false; readonly error: string };

/**
 * Checks a partition against the cluster: every group non-empty, no node twice, no stranger, and
 * every node placed (an unplaced node is almost always a typo, so it is refused, not guessed).
 */
export function validateGroups(groups: readonly (readonly NodeId[])[], clusterIds: readonly NodeId[]): string | null {
  if (groups.length < 2) return 'a partition needs at least two groups, e.g. 1,2|3,4,5';
  const seen = new Map<NodeId, number>();
  for (const [gi, g] of groups.entries()) {
    if (g.length === 0) return `group ${gi + 1} is empty`;
    for (const id of g) {
      if (!clusterIds.includes(id)) return `node ${id} does not exist; this cluster has nodes ${clusterIds.join(',')}`;
      const prev = seen.get(id);
      if (prev !== undefined) {
        return prev === gi ? `node ${id} is listed twice in group ${gi + 1}` : `node ${id} is in both group ${prev + 1} and group ${gi + 1}`;
      }
      seen.set(id, gi);
    }
  }
  const missing = clusterIds.filter((id) => !seen.has(id));
  if (missing.length > 0) {
    const suggestion = groups.map((g, i) => (i === groups.length - 1 ? [...g, ...missing] : g).join(',')).join('|');
    const which = missing.length > 1 ? `nodes ${missing.join(',')} are` : `node ${missing.join(',')} is`;
    return `${which} in no group; place every node, e.g. partition ${suggestion}`;
  }
  return null;
}

export const isolateGroups = (node: NodeId, clusterIds: readonly NodeId[]): NodeId[][] => [
  [node],
  clusterIds.filter((id) => id !== node),
];

/** Sets (ms > 0) or clears (ms = 0) one node's delay, keeping the others. */
export function withSlow(rules: FaultRules, node: NodeId, ms: number): FaultRules {
  const others = rules.slow.filter((s) => s.node !== node);
  const slow = ms > 0 ? [...others, { node, ms }].sort((a, b) => a.node - b.node) : others;
  return { groups: rules.groups, slow };
}

/**
 * The admin actions a node accepts. `faults` replaces the whole rule set (what the supervisor
 * sends, so a restarted node gets the current rules in one message); the others are shorthands.
 */
export function applyAdminAction(current: FaultRules, action: string, args: unknown, clusterIds: readonly NodeId[]): RulesResult {
  const bad = (error: string): RulesResult => ({ ok: false, error });
  switch (action) {
    case 'faults': {
      const p = faultRulesSchema.safeParse(args);
      if (!p.success) return bad(`faults: ${p.error.issues[0]?.message ?? 'invalid rules'}`);
      if (p.data.groups !== null) {
        const err = validateGroups(p.data.groups, clusterIds);
        if (err !== null) return bad(err);
      }
      return { ok: true, rules: p.data };
    }
    case 'partition': {
      const p = z.object({ groups: groupsSchema }).safeParse(args);
      if (!p.success) return bad('partition needs args {groups: [[ids], [ids], ...]}');
      const err = validateGroups(p.data.groups, clusterIds);
      return err !== null ? bad(err) : { ok: true, rules: { groups: p.data.groups, slow: current.slow } };
    }
    case 'isolate': {
      const p = z.object({ node: nodeId }).safeParse(args);
      if (!p.success || !clusterIds.includes(p.data.node)) return bad('isolate needs args {node: ID} of a cluster node');
      return { ok: true, rules: { groups: isolateGroups(p.data.node, clusterIds), slow: current.slow } };
    }
    case 'slow': {
      const p = z.object({ node: nodeId, ms: slowSchema.shape.ms }).safeParse(args);
      if (!p.success || !clusterIds.includes(p.data.node)) return bad(`slow needs args {node: ID, ms: 0..${MAX_SLOW_MS}}`);
      return { ok: true, rules: withSlow(current, p.data.node, p.data.ms) };
    }
    case 'heal':
      return { ok: true, rules: NO_FAULTS };
    case 'get-faults':
      return { ok: true, rules: current };
    default:
      return bad(`unknown admin action '${action.slice(0, 64)}' (faults, partition, isolate, slow, heal, get-faults, trace, stop)`);
  }
}

/** "partition 1,2 | 3,4,5 · slow n3 200ms", or "no faults". */
export function describeFaults(rules: FaultRules): string {
  const parts: string[] = [];
  if (rules.groups !== null) parts.push(`partition ${rules.groups.map((g) => g.join(',')).join(' | ')}`);
  for (const s of rules.slow) parts.push(`slow n${s.node} ${s.ms}ms`);
  return parts.length === 0 ? 'no faults' : parts.join(' · ');
}
