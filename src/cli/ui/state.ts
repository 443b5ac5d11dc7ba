// The UI's state and its pure reducer. Everything the screen shows comes from here; node
// events, polls and command results all arrive as actions (tested without rendering).
import type { AcceptedEntry, ChosenEntry } from '../../paxos/types.js';
import { describeValue, valueKey } from '../../paxos/value.js';
import { eventLine } from '../event-text.js';
import type { NodeEvent } from '../../cluster/node-events.js';
import type { LogsTarget, PaneStatus } from '../execute-command.js';
import type { FlowMessage } from '../flow-messages.js';
import { flowScrolled, flowSwitched, INITIAL_FLOW, type FlowHow, type FlowState } from './flow-state.js';
import { configHeader } from '../../cluster/membership-plan.js';

export const MAX_NODE_LINES = 50;
export const MAX_RESULTS = 200;
export const MAX_HISTORY = 500;
export const FLASH_MS = 2500;

export type PaneRole = 'leader' | 'follower' | 'candidate' | 'down' | 'starting' | 'unreachable';

export interface Flash {
  readonly text: string;
  readonly tone: 'bad' | 'good' | 'info';
  readonly until: number;
}

export interface NodeView {
  readonly id: number;
  readonly alive: boolean;
  readonly role: PaneRole;
  readonly ballot: string;
  readonly promised: string;
  readonly commitIndex: number | null;
  readonly appliedIndex: number | null;
  readonly pid: number | null;
  readonly lines: readonly string[];
  readonly flash: Flash | null;
  /** Restarted and not yet level with the cluster: the pane says so until it is. */
  readonly catchingUp: boolean;
  /**
   * What the node is in the configuration: what it says of itself (status.membership.self), or
   * until it says, what the cluster file says. Absent: a voter of a cluster that never changed.
   */
  readonly member?: PaneMember;
}

export type PaneMember = 'voter' | 'learner' | 'removed' | 'joining' | 'leaving';

/** What a pane says when a node's membership changes. */
const MEMBER_LINE: Readonly<Record<PaneMember, string>> = {
  voter: 'a voter',
  learner: 'a learner',
  removed: 'removed',
  joining: 'joining (not in the configuration yet)',
  leaving: 'leaving (removed; it votes on until a leader shows the new members know)',
};

/** compacted: below the node's snapshot, so chosen but folded into its state (no log entry left). */
export type CellKind = 'chosen' | 'accepted' | 'missing' | 'conflict' | 'compacted';

export interface LogCell {
  readonly kind: CellKind;
  readonly label: string;
  readonly ballot: string;
}

export interface LogRow {
  readonly slot: number;
  /** Indexed by node id; a node absent here has nothing for the slot. */
  readonly cells: Readonly<Record<number, LogCell>>;
}

export interface ResultLine {
  readonly id: number;
  /** The command line; empty on continuation lines of a multi-line result. */
  readonly input: string;
  readonly ok: boolean;
  readonly text: string;
}

export interface UiState {
  readonly now: number;
  readonly nodes: readonly NodeView[];
  readonly logRows: readonly LogRow[];
  readonly results: readonly ResultLine[];
  readonly nextResultId: number;
  readonly history: readonly string[];
  /** The command being run, shown while it runs. */
  readonly running: string | null;
  readonly hint: string | null;
  /** The fault rules in force, one line ("partition 1,2 | 3,4,5"); absent or null: none. */
  readonly faults?: string | null;
  /** A chaos run in progress; absent or null: none. */
  readonly chaos?: ChaosView | null;
  /** Rows scrolled back from the newest, in the results and in the slot grid (0: following). */
  readonly resultScroll?: number;
  readonly logScroll?: number;
  /** One past the newest slot any node knows (the grid's end when not scrolled). */
  readonly latestSlot?: number;
  /** What PageUp/PageDown scroll: the results (default) or the slot grid. */
  readonly scrollTarget?: 'results' | 'log';
  /** Commands waiting behind the running one. */
  readonly queued?: number;
  /** `logs N` open full screen; absent or null: the main screen. */
  readonly viewer?: LogsTarget | null;
  /** The flow view (the message diagram in place of the panes and the slot grid); absent: off. */
  readonly flow?: FlowState;
  /** The configuration in force, one line ("config voters 1 2 3 · since slot 120"); absent or null: not known. */
  readonly config?: string | null;
}

export interface ChaosView {
  readonly phase: string;
  readonly elapsedMs: number;
  readonly durationMs: number;
  readonly ops: number;
  readonly faults: number;
  readonly faultLine: string;
}

export interface NodeDump {
  readonly node: number;
  readonly chosen: readonly ChosenEntry[];
  readonly accepted: readonly AcceptedEntry[];
  /** Slots below it are in the node's snapshot. */
  readonly snapshotIndex?: number;
}

export type UiAction =
  | { readonly type: 'node-spawned'; readonly id: number; readonly pid: number; readonly at: number }
  | { readonly type: 'node-exited'; readonly id: number; readonly code: number | null; readonly signal: string | null; readonly requested: boolean; readonly at: number }
  | { readonly type: 'node-event'; readonly id: number; readonly event: NodeEvent; readonly at: number }
  | { readonly type: 'node-stderr'; readonly id: number; readonly line: string }
  /** SIGSTOP (stopped) or SIGCONT: a frozen process, as chaos's pause fault makes one. */
  | { readonly type: 'node-signalled'; readonly id: number; readonly stopped: boolean; readonly at: number }
  | { readonly type: 'status-polled'; readonly statuses: readonly PaneStatus[]; readonly at: number }
  | { readonly type: 'log-polled'; readonly fromSlot: number; readonly toSlot: number; readonly dumps: readonly NodeDump[]; readonly latestSlot?: number }
  | { readonly type: 'command-started'; readonly input: string }
  | { readonly type: 'command-finished'; readonly input: string; readonly ok: boolean; readonly text: string; readonly detail?: readonly string[] }
  | { readonly type: 'clear' }
  | { readonly type: 'hint'; readonly text: string | null }
  | { readonly type: 'tick'; readonly at: number }
  | { readonly type: 'faults-changed'; readonly text: string | null }
  | { readonly type: 'chaos-progress'; readonly chaos: ChaosView | null }
  | { readonly type: 'viewer'; readonly target: LogsTarget | null }
  /** `flow`, `flow off`, `flow hb`, Ctrl-T. */
  | { readonly type: 'flow'; readonly how: FlowHow }
  | { readonly type: 'trace-polled'; readonly messages: readonly FlowMessage[]; readonly errors: readonly string[] }
  /** Commands typed while another runs, waiting their turn. */
  | { readonly type: 'queued'; readonly count: number }
  /**
   * The cluster file after a membership change: a node added gets a pane (one that replaced
   * another takes its place), a removed node's pane says so. alive: the nodes run elsewhere (attach).
   */
  | { readonly type: 'cluster-changed'; readonly nodes: readonly { readonly id: number; readonly member?: 'voter' | 'learner' | 'removed' | undefined; readonly replaces?: number | undefined }[]; readonly at: number; readonly alive?: boolean }
  /** A step of a membership command, as it happens. */
  | { readonly type: 'progress'; readonly text: string }
  /** page: rows a page holds where the scrolling happens. */
  | { readonly type: 'scroll'; readonly how: 'page-up' | 'page-down' | 'home' | 'end' | 'switch'; readonly page: number };

function newNode(id: number, alive: boolean, member?: PaneMember): NodeView {
  return {
    id, alive, role: 'starting', ballot: '-', promised: '-', commitIndex: null, appliedIndex: null,
    pid: null, lines: [], flash: null, catchingUp: false, ...(member !== undefined ? { member } : {}),
  };
}

/**
 * alive: the nodes run already, elsewhere (attach): their panes follow the polls from the start.
 * members: what the cluster file says each node is (a grown cluster's learners).
 */
export function initialState(nodeIds: readonly number[], now = 0, opts: { alive?: boolean; members?: Readonly<Record<number, PaneMember>> } = {}): UiState {
  return {
    now,
    nodes: nodeIds.map((id) => newNode(id, opts.alive === true, opts.members?.[id])),
    logRows: [],
    results: [],
    nextResultId: 1,
    history: [],
    running: null,
    hint: null,
  };
}

function pushBounded<T>(list: readonly T[], item: T, max: number): T[] {
  const out = list.length >= max ? list.slice(list.length - max + 1) : list.slice();
  out.push(item);
  return out;
}

function updateNode(state: UiState, id: number, f: (n: NodeView) => NodeView): UiState {
  let changed = false;
  const nodes = state.nodes.map((n) => {
    if (n.id !== id) return n;
    changed = true;
    return f(n);
  });
  return changed ? { ...state, nodes } : state;
}

function withLine(n: NodeView, line: string): NodeView {
  return { ...n, lines: pushBounded(n.lines, line, MAX_NODE_LINES) };
}

function toPaneRole(role: string): PaneRole {
  if (role === 'leader' || role === 'follower' || role === 'candidate' || role === 'down') return role;
  return 'unreachable';
}

export function reduce(state: UiState, action: UiAction): UiState {
  switch (action.type) {
    case 'node-spawned': {
      return updateNode(state, action.id, (n) => {
        const restarted = n.pid !== null || n.role === 'down';
        const next: NodeView = {
          ...n, alive: true, role: 'starting', pid: action.pid, catchingUp: restarted,
          flash: restarted ? { text: 'RESTARTED', tone: 'info', until: action.at + FLASH_MS } : n.flash,
        };
        return withLine(next, `started pid ${action.pid}`);
      });
    }
    case 'node-exited': {
      return updateNode(state, action.id, (n) => {
        const how = action.signal !== null ? action.signal : `code ${action.code ?? '?'}`;
        const next: NodeView = {
          ...n, alive: false, role: 'down', pid: null, catchingUp: false,
          flash: { text: !action.requested ? 'CRASHED' : action.signal === 'SIGKILL' ? 'KILLED' : 'STOPPED', tone: 'bad', until: action.at + FLASH_MS },
        };
        return withLine(next, `exited (${how})`);
      });
    }
    case 'node-event': {
      const e = action.event;
      return updateNode(state, action.id, (n) => {
        let next = n;
        if (e.event === 'role') next = { ...n, role: n.alive ? e.role : n.role, ballot: e.ballot };
        if (e.event === 'chosen') next = { ...n, commitIndex: Math.max(n.commitIndex ?? 0, e.commitIndex) };
        if (e.event === 'role' && e.role === 'leader' && n.role !== 'leader') {
          next = { ...next, flash: { text: 'NEW LEADER', tone: 'good', until: action.at + FLASH_MS } };
        }
        const line = eventLine(e);
        return line === null ? next : withLine(next, line);
      });
    }
    case 'node-stderr':
      return updateNode(state, action.id, (n) => withLine(n, `! ${action.line}`));
    case 'node-signalled':
      return updateNode(state, action.id, (n) =>
        action.stopped
          ? withLine({ ...n, flash: { text: 'FROZEN', tone: 'bad', until: action.at + FLASH_MS } }, 'SIGSTOP: frozen, sockets open')
          : withLine(n, 'SIGCONT: running again'),
      );
    case 'status-polled': {
      const byId = new Map(action.statuses.map((s) => [s.id, s]));
      // The configuration as the leader knows it (or any node that says, when none leads).
      const says = action.statuses.filter((s) => s.alive && s.membership !== undefined);
      const teller = says.find((s) => s.role === 'leader') ?? says[0];
      const config = teller?.membership !== undefined ? configHeader(teller.membership) : (state.config ?? null);
      const levels = action.statuses.filter((s) => s.alive && s.commitIndex !== null).map((s) => s.commitIndex as number);
      const top = levels.length === 0 ? 0 : Math.max(...levels);
      const nodes = state.nodes.map((n) => {
        const s = byId.get(n.id);
        // A poll that started before a kill/restart must not undo what the exit event said.
        if (s === undefined || s.alive !== n.alive || (s.pid !== null && s.pid !== n.pid)) return n;
        if (!s.alive) return n;
        let next: NodeView = {
          ...n, role: toPaneRole(s.role), ballot: s.ballot, promised: s.promised,
          commitIndex: s.commitIndex ?? n.commitIndex, appliedIndex: s.appliedIndex ?? n.appliedIndex,
          ...(s.membership !== undefined ? { member: s.membership.self } : {}),
        };
        if (s.membership !== undefined && s.membership.self !== n.member && n.member !== undefined) {
          next = withLine(next, `now ${MEMBER_LINE[s.membership.self]}`);
        }
        if (n.catchingUp && s.commitIndex !== null && s.commitIndex >= top && s.role !== 'unreachable') {
          next = withLine({ ...next, catchingUp: false, flash: { text: 'CAUGHT UP', tone: 'good', until: action.at + FLASH_MS } }, `caught up to ${s.commitIndex}`);
        }
        return next;
      });
      return { ...state, nodes, now: action.at, config };
    }
    case 'cluster-changed':
      return clusterChanged(state, action);
    case 'progress': {
      const results = pushBounded(state.results, { id: state.nextResultId, input: '', ok: true, text: `  ${action.text}` }, MAX_RESULTS);
      return { ...state, results, nextResultId: state.nextResultId + 1, resultScroll: 0 };
    }
    case 'log-polled':
      return { ...state, logRows: mergeLogRows(state, action), latestSlot: action.latestSlot ?? action.toSlot };
    case 'command-started':
      return {
        ...state,
        running: action.input,
        history: state.history[state.history.length - 1] === action.input ? state.history : pushBounded(state.history, action.input, MAX_HISTORY),
      };
    case 'command-finished': {
      let results = pushBounded(state.results, { id: state.nextResultId, input: action.input, ok: action.ok, text: action.text }, MAX_RESULTS);
      let nextResultId = state.nextResultId + 1;
      for (const text of action.detail ?? []) {
        results = pushBounded(results, { id: nextResultId++, input: '', ok: action.ok, text }, MAX_RESULTS);
      }
      return { ...state, running: state.running === action.input ? null : state.running, results, nextResultId, resultScroll: 0 };
    }
    case 'clear':
      return { ...state, results: [] };
    case 'hint':
      return { ...state, hint: action.text };
    case 'tick':
      return { ...state, now: action.at };
    case 'faults-changed':
      return { ...state, faults: action.text };
    case 'chaos-progress':
      return { ...state, chaos: action.chaos };
    case 'viewer':
      return { ...state, viewer: action.target };
    case 'queued':
      return { ...state, queued: action.count };
    case 'flow': {
      const before = state.flow ?? INITIAL_FLOW;
      const flow = flowSwitched(before, action.how);
      // Opening the view points the scroll keys at it: scrolling back is what it is for.
      return { ...state, flow, ...(flow.on && !before.on ? { scrollTarget: 'log' as const } : {}) };
    }
    case 'trace-polled': {
      const flow = state.flow ?? INITIAL_FLOW;
      // A poll that was under way when the view closed brings nothing to show.
      return flow.on ? { ...state, flow: { ...flow, messages: action.messages, errors: action.errors } } : state;
    }
    case 'scroll': {
      const target = state.scrollTarget ?? 'results';
      if (action.how === 'switch') return { ...state, scrollTarget: target === 'results' ? 'log' : 'results' };
      if (target === 'log' && state.flow?.on === true) return { ...state, flow: flowScrolled(state.flow, action.how, action.page) };
      const total = target === 'results' ? state.results.length : (state.latestSlot ?? state.logRows.length);
      const now = (target === 'results' ? state.resultScroll : state.logScroll) ?? 0;
      const page = Math.max(1, action.page - 1);
      const max = Math.max(0, total - action.page);
      const next = action.how === 'page-up' ? now + page : action.how === 'page-down' ? now - page : action.how === 'home' ? max : 0;
      const clamped = Math.max(0, Math.min(max, next));
      return target === 'results' ? { ...state, resultScroll: clamped } : { ...state, logScroll: clamped };
    }
  }
}

/** Panes for added nodes (a replacing one where the replaced one was), REMOVED on removed ones. */
function clusterChanged(state: UiState, a: Extract<UiAction, { type: 'cluster-changed' }>): UiState {
  let nodes = [...state.nodes];
  let changed = false;
  for (const f of a.nodes) {
    const at = nodes.findIndex((n) => n.id === f.id);
    if (f.member === 'removed') {
      const n = nodes[at];
      if (n !== undefined && n.member !== 'removed') {
        // The node's own events say why (the configuration's slot) and that it stops.
        nodes[at] = { ...n, member: 'removed', flash: { text: 'REMOVED', tone: 'bad', until: a.at + FLASH_MS } };
        changed = true;
      }
      continue;
    }
    if (at >= 0) {
      const n = nodes[at] as NodeView;
      // The file is the fallback: what the node says of itself wins once it says it.
      if (n.member === undefined && f.member !== undefined && f.member !== 'voter') {
        nodes[at] = { ...n, member: f.member };
        changed = true;
      }
      continue;
    }
    const pane = withLine(newNode(f.id, a.alive === true, f.member ?? 'learner'), f.replaces !== undefined ? `added in place of n${f.replaces}` : 'added to the cluster');
    const old = f.replaces === undefined ? -1 : nodes.findIndex((n) => n.id === f.replaces);
    if (old >= 0) nodes[old] = pane;
    else nodes = [...nodes, pane];
    changed = true;
  }
  return changed ? { ...state, nodes } : state;
}

/**
 * Builds rows for [fromSlot, toSlot). A dead node's column keeps what it showed last, so the
 * screen still says what it holds; conflicts are chosen cells whose values differ.
 */
function mergeLogRows(state: UiState, a: Extract<UiAction, { type: 'log-polled' }>): LogRow[] {
  const polled = new Set(a.dumps.map((d) => d.node));
  const old = new Map(state.logRows.map((r) => [r.slot, r]));
  const rows: LogRow[] = [];
  const perNode = a.dumps.map((d) => ({
    node: d.node,
    snapshotIndex: d.snapshotIndex ?? 0,
    chosen: new Map(d.chosen.map((e) => [e.slot, e])),
    accepted: new Map(d.accepted.map((e) => [e.slot, e])),
  }));
  for (let slot = a.fromSlot; slot < a.toSlot; slot++) {
    const cells: Record<number, LogCell> = {};
    const keys: Record<number, string> = {};
    const prev = old.get(slot);
    for (const n of state.nodes) {
      if (!polled.has(n.id) && prev?.cells[n.id] !== undefined) {
        cells[n.id] = prev.cells[n.id] as LogCell;
      }
    }
    for (const d of perNode) {
      const c = d.chosen.get(slot);
      const acc = d.accepted.get(slot);
      const ballot = acc === undefined ? '' : `${acc.ballot.round}.${acc.ballot.node}`;
      if (c !== undefined) {
        cells[d.node] = { kind: 'chosen', label: describeValue(c.value), ballot };
        keys[d.node] = valueKey(c.value);
      } else if (acc !== undefined) {
        cells[d.node] = { kind: 'accepted', label: describeValue(acc.value), ballot };
      } else if (slot < d.snapshotIndex) {
        cells[d.node] = { kind: 'compacted', label: 'snapshot', ballot: '' };
      } else {
        cells[d.node] = { kind: 'missing', label: '', ballot: '' };
      }
    }
    if (new Set(Object.values(keys)).size > 1) {
      for (const id of Object.keys(keys)) {
        const cell = cells[Number(id)] as LogCell;
        cells[Number(id)] = { ...cell, kind: 'conflict' };
      }
    }
    rows.push({ slot, cells });
  }
  return rows;
}
