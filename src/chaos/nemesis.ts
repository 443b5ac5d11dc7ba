// The nemesis' choices, pure and seeded: which fault next, on which nodes. The run (chaos-run.ts)
// carries them out; keeping the choice here makes a schedule reproducible from its seed (up to
// timing) and testable without processes.
import type { Rng } from '../paxos/rng.js';

export const FAULT_KINDS = ['kill', 'kill-leader', 'partition-minority', 'partition-majority', 'isolate-leader', 'pause', 'slow', 'membership'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/**
 * What the nemesis picks from unless told: every kind but `membership`, which needs the cluster
 * file and the power to spawn nodes (`paxos-cli chaos --faults …,membership` asks for it) and
 * takes seconds per change.
 */
export const DEFAULT_FAULT_KINDS: readonly FaultKind[] = FAULT_KINDS.filter((k) => k !== 'membership');

/** A membership fault: replace a follower by a new node (remove, then add), or hand leadership to one. */
export type MembershipAction = 'replace' | 'transfer';

/** A slow node's peer messages wait this long, in and out (fault-rules' `slow`), ms. */
export const SLOW_MS: readonly [number, number] = [20, 200];

export type FaultPlan =
  | { readonly kind: 'kill' | 'kill-leader'; readonly node: number; readonly text: string }
  | { readonly kind: 'partition-minority' | 'partition-majority' | 'isolate-leader'; readonly groups: readonly (readonly number[])[]; readonly text: string }
  /** SIGSTOP for the hold, then SIGCONT: the node freezes with its connections open. */
  | { readonly kind: 'pause'; readonly node: number; readonly leader: boolean; readonly text: string }
  | { readonly kind: 'slow'; readonly node: number; readonly leader: boolean; readonly ms: number; readonly text: string }
  /** Carried out to its end (the new configuration in force, or the new leader elected), then nothing to repair. */
  | { readonly kind: 'membership'; readonly action: MembershipAction; readonly node: number; readonly text: string };

/**
 * The nodes a fault hits, for a report's fault bands: the killed, paused or slowed node; for a
 * partition, its minority side (the first group; the leader's side for partition-majority).
 */
export function faultNodes(plan: FaultPlan): readonly number[] {
  return 'node' in plan ? [plan.node] : (plan.groups[0] ?? []);
}

function pick<T>(rng: Rng, items: readonly T[]): T {
  if (items.length === 0) throw new Error('nemesis: pick from an empty list');
  return items[rng.int(0, items.length - 1)]!;
}

function shuffled<T>(rng: Rng, items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

const groupsText = (groups: readonly (readonly number[])[]): string => groups.map((g) => g.join(',')).join(' | ');

/**
 * One fault for a cluster of `ids` whose leader is `leader` (null: none known, so a random node
 * stands in for it). Partitions always split into a minority and a majority:
 * - partition-minority: a minority without the leader is cut off (the leader keeps serving);
 * - partition-majority: the leader lands in the minority (the majority must elect a new one);
 * - isolate-leader: the leader alone.
 * pause and slow hit the leader or a follower, even odds: a paused leader must be replaced or
 * waited for, a paused follower must catch up; a slow leader slows every write, a slow follower
 * only its own acks. membership replaces a random follower (the number of voters stays, so later
 * faults still leave a majority) or transfers leadership to one, even odds.
 */
export function planFault(rng: Rng, ids: readonly number[], leader: number | null, kinds: readonly FaultKind[] = DEFAULT_FAULT_KINDS): FaultPlan {
  if (ids.length < 3) throw new Error('nemesis: needs at least 3 nodes');
  const kind = pick(rng, kinds);
  const lead = leader !== null && ids.includes(leader) ? leader : pick(rng, ids);
  const others = ids.filter((id) => id !== lead);
  const minoritySize = Math.floor((ids.length - 1) / 2);
  const sorted = (xs: readonly number[]) => [...xs].sort((a, b) => a - b);
  switch (kind) {
    case 'kill': {
      const node = pick(rng, others);
      return { kind, node, text: `kill n${node} (SIGKILL, a follower)` };
    }
    case 'kill-leader':
      return { kind, node: lead, text: `kill n${lead} (SIGKILL, the leader)` };
    case 'partition-minority': {
      const cut = sorted(shuffled(rng, others).slice(0, minoritySize));
      const groups = [cut, ids.filter((id) => !cut.includes(id))];
      return { kind, groups, text: `partition ${groupsText(groups)} (minority cut off, leader n${lead} keeps the majority)` };
    }
    case 'partition-majority': {
      const withLeader = sorted([lead, ...shuffled(rng, others).slice(0, minoritySize - 1)]);
      const groups = [withLeader, ids.filter((id) => !withLeader.includes(id))];
      return { kind, groups, text: `partition ${groupsText(groups)} (leader n${lead} in the minority)` };
    }
    case 'isolate-leader': {
      const groups = [[lead], others];
      return { kind, groups, text: `isolate leader n${lead}` };
    }
    case 'pause': {
      const leaderHit = rng.int(0, 1) === 0;
      const node = leaderHit ? lead : pick(rng, others);
      return { kind, node, leader: leaderHit, text: `pause n${node} (SIGSTOP, ${leaderHit ? 'the leader' : 'a follower'})` };
    }
    case 'slow': {
      const leaderHit = rng.int(0, 1) === 0;
      const node = leaderHit ? lead : pick(rng, others);
      const ms = rng.int(SLOW_MS[0], SLOW_MS[1]);
      return { kind, node, leader: leaderHit, ms, text: `slow n${node} by ${ms} ms (its peer messages, ${leaderHit ? 'the leader' : 'a follower'})` };
    }
    case 'membership': {
      const action: MembershipAction = rng.int(0, 1) === 0 ? 'replace' : 'transfer';
      const node = pick(rng, others);
      const text = action === 'replace' ? `replace n${node} (a follower: removed, a new node added in its place)` : `transfer leadership from n${lead} to n${node}`;
      return { kind, action, node, text };
    }
  }
}
