// Which members decide each slot. A configuration is a value chosen in a slot like any command;
// the configuration chosen in slot s rules slots s + CONFIG_WINDOW onward (Lamport's α-window,
// "Reconfiguring a State Machine", with α = CONFIG_WINDOW). So the configuration of slot t
// depends only on slots at or below t - α: a leader that knows the chosen prefix up to t - α
// knows who decides t, and every node that knows that prefix agrees. DESIGN.md argues why.
import { quorumSize } from './quorum.js';
import type { Member, NodeId } from './types.js';

/** α: a configuration chosen in slot s takes effect at slot s + CONFIG_WINDOW. */
export const CONFIG_WINDOW = 8;
/** The UI's limit, and a bound on what a quorum count costs. */
export const MAX_VOTERS = 9;
/** Learners (catching up before they vote) besides the voters. */
export const MAX_LEARNERS = 4;

/** One configuration and where it rules: slots from activeFrom on, until the next one. */
export interface ConfigEntry {
  /** The slot it was chosen in; -1 for the cluster's first configuration. */
  readonly slot: number;
  readonly activeFrom: number;
  readonly members: readonly Member[];
}

/** A member that left: from slot `until` on no configuration names it. */
export interface Departure {
  readonly id: NodeId;
  readonly until: number;
}

/** How many departures a snapshot carries (the newest): a bound on what a message may hold. */
export const MAX_DEPARTED = 64;

/**
 * What a snapshot carries besides the state machine: the configurations that rule at and after
 * it, and the members that left before it (their frames stay refused after a restart, once the
 * configurations that named them are pruned away).
 */
export interface MembershipState {
  readonly configs: readonly ConfigEntry[];
  readonly departed?: readonly Departure[];
}

export function votersOf(members: readonly Member[]): NodeId[] {
  return members.filter((m) => m.voter).map((m) => m.id);
}

export function isVoter(members: readonly Member[], id: NodeId): boolean {
  return members.some((m) => m.id === id && m.voter);
}

export function isMember(members: readonly Member[], id: NodeId): boolean {
  return members.some((m) => m.id === id);
}

/** True when `ids` hold a majority of the configuration's voters. */
export function hasMajority(members: readonly Member[], ids: ReadonlySet<NodeId>): boolean {
  const voters = votersOf(members);
  let n = 0;
  for (const v of voters) if (ids.has(v)) n += 1;
  return n >= quorumSize(voters.length);
}

/**
 * Why a configuration cannot be proposed, or null: ids unique and in range, 1..MAX_VOTERS
 * voters, at most MAX_LEARNERS learners. Any change is safe under the window rule; these are
 * the limits of what the tool shows and of what a message may carry.
 */
export function configProblem(members: readonly Member[]): string | null {
  const ids = new Set<NodeId>();
  for (const m of members) {
    if (!Number.isInteger(m.id) || m.id < 1 || m.id > 1_000_000) return `bad node id ${m.id}`;
    if (ids.has(m.id)) return `node ${m.id} appears twice`;
    ids.add(m.id);
  }
  const voters = votersOf(members).length;
  if (voters < 1) return 'a configuration needs at least one voter';
  if (voters > MAX_VOTERS) return `at most ${MAX_VOTERS} voters (this one has ${voters})`;
  if (members.length - voters > MAX_LEARNERS) return `at most ${MAX_LEARNERS} learners`;
  return null;
}

/**
 * Whether a snapshot's membership (from the wire) can be what a correct peer sent for a snapshot
 * at `index`: valid configurations, the first ruling at index, the rest chosen after it.
 */
export function membershipStateValid(state: MembershipState, index: number): boolean {
  const [first, ...rest] = state.configs;
  if (first === undefined || first.activeFrom > index) return false;
  let prev = first.activeFrom;
  for (const c of [first, ...rest]) {
    if (configProblem(c.members) !== null || !Number.isSafeInteger(c.slot) || c.slot < -1) return false;
    if (c !== first && (c.activeFrom <= prev || c.activeFrom <= index)) return false;
    prev = c.activeFrom;
  }
  if (rest.length > 8) return false;
  const departed = state.departed ?? [];
  if (departed.length > MAX_DEPARTED) return false;
  const members = new Set(state.configs.flatMap((c) => c.members.map((m) => m.id)));
  // A departure is one the prefix below the snapshot shows, of a node no configuration here names.
  return departed.every((d) => Number.isSafeInteger(d.id) && d.id >= 1 && Number.isSafeInteger(d.until) && d.until >= 0 && d.until <= index && !members.has(d.id));
}

/**
 * The configurations a node knows, in slot order. Only chosen prefixes feed it (onChosen is
 * called slot by slot as the commit index passes), so two nodes that know the same prefix
 * hold the same history.
 */
export class MembershipLog {
  private configs: ConfigEntry[];
  /** Departures shown by configurations pruned away: kept, since ids are never reused. */
  private past: Map<NodeId, number>;

  constructor(
    initial: MembershipState,
    /** The activation distance; CONFIG_WINDOW except in a test that breaks the rule on purpose. */
    private readonly window = CONFIG_WINDOW,
    /**
     * Ids whose departures are kept whatever the cap: the node's contacts (genesis ids and its
     * cluster file's), which stay known after every configuration naming them is pruned.
     */
    private readonly pinned: ReadonlySet<NodeId> = new Set(),
  ) {
    if (initial.configs.length === 0) throw new Error('a membership needs a configuration');
    this.configs = [...initial.configs].sort((a, b) => a.activeFrom - b.activeFrom);
    this.past = new Map((initial.departed ?? []).map((d) => [d.id, d.until]));
  }

  static genesis(members: readonly Member[], window = CONFIG_WINDOW): MembershipLog {
    return new MembershipLog({ configs: [{ slot: -1, activeFrom: 0, members }] }, window);
  }

  /** The configuration chosen in `slot` (the commit index just passed it). */
  onChosen(slot: number, members: readonly Member[]): ConfigEntry {
    // A snapshot taken where the applied state lagged carried it already: the prefix passing
    // its slot again adds nothing (and appending would break the order).
    const known = this.configs.find((c) => c.slot === slot);
    if (known !== undefined) return known;
    const entry: ConfigEntry = { slot, activeFrom: slot + this.window, members };
    this.configs.push(entry);
    this.configs.sort((a, b) => a.activeFrom - b.activeFrom);
    return entry;
  }

  /** The configuration that rules `slot`, as far as this node knows the prefix below it. */
  at(slot: number): ConfigEntry {
    let found = this.configs[0]!;
    // Pruned away (or never known): answering with a later configuration would be a wrong quorum.
    if (found.activeFrom > slot) throw new Error(`assertion failed: no configuration known for slot ${slot} (the oldest rules from ${found.activeFrom})`);
    for (const c of this.configs) {
      if (c.activeFrom <= slot) found = c;
      else break;
    }
    return found;
  }

  /** Whether a configuration ruling `slot` is known (not pruned away, nor before a snapshot's). */
  covers(slot: number): boolean {
    return this.configs[0]!.activeFrom <= slot;
  }

  /** The configuration in force at `slot` and every one chosen to rule after it. */
  from(slot: number): ConfigEntry[] {
    const first = this.at(slot);
    return this.configs.filter((c) => c === first || c.activeFrom > slot);
  }

  /** The newest configuration known (which may not rule yet). */
  get latest(): ConfigEntry {
    return this.configs[this.configs.length - 1]!;
  }

  /** Forgets configurations superseded at or below `slot` (all of them are ruled out there). */
  pruneBelow(slot: number): void {
    const first = this.at(slot);
    if (first !== this.configs[0]) this.past = newest(this.departures(slot), this.pinned);
    this.configs = this.configs.filter((c) => c === first || c.activeFrom > slot);
  }

  /** What a snapshot at `index` must carry. */
  stateAt(index: number): MembershipState {
    const departed = [...newest(this.departures(index), this.pinned)].map(([id, until]) => ({ id, until }));
    return { configs: this.from(index), ...(departed.length > 0 ? { departed } : {}) };
  }

  /** Every member of a configuration ruling at or after `slot`. */
  membersFrom(slot: number): Set<NodeId> {
    const out = new Set<NodeId>();
    for (const c of this.from(slot)) for (const m of c.members) out.add(m.id);
    return out;
  }

  /**
   * The members that left by `index` and are in no configuration ruling from it on: id → the
   * first slot ruled without them (those of pruned configurations too, up to MAX_DEPARTED).
   */
  departures(index: number): Map<NodeId, number> {
    const out = new Map<NodeId, number>(this.past);
    for (let i = 1; i < this.configs.length && this.configs[i]!.activeFrom <= index; i++) {
      const before = this.configs[i - 1]!;
      const now = this.configs[i]!;
      for (const m of before.members) if (!isMember(now.members, m.id)) out.set(m.id, now.activeFrom);
      for (const m of now.members) out.delete(m.id);
    }
    for (const id of this.membersFrom(index)) out.delete(id);
    return out;
  }

  /** Every id this node ever knew a configuration to name (it may still need to talk to them). */
  get everKnown(): ReadonlySet<NodeId> {
    const out = new Set<NodeId>();
    for (const c of this.configs) for (const m of c.members) out.add(m.id);
    return out;
  }
}

/**
 * At most MAX_DEPARTED departures: the pinned ids' first (they stay known: forgetting one would
 * make a long-removed genesis node a member again after a restart), then the newest.
 */
function newest(d: Map<NodeId, number>, pinned: ReadonlySet<NodeId>): Map<NodeId, number> {
  if (d.size <= MAX_DEPARTED) return d;
  const order = [...d].sort((a, b) => Number(pinned.has(b[0])) - Number(pinned.has(a[0])) || b[1] - a[1]);
  return new Map(order.slice(0, MAX_DEPARTED));
}
