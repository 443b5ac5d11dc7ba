// The REPL's step mode: one cluster-wide view over every node's held messages. Nodes number
// what they hold on their own; here each held message gets a short cluster-wide id (#1, #2, …)
// in the order it was held, which `deliver`, `drop` and `step` take. A script may instead name a
// message by its link, `1>2` (the oldest held from n1 to n2), which does not depend on timing.
import { describeIds, hasId, type NodeIds } from './node-ids.js';
import type { HeldInfo, StepAction, StepResult } from '../client/paxos-client.js';
import { messageLabel } from '../trace/trace-record.js';

export interface StepClient {
  step(nodeId: number, action: StepAction, opts?: { id?: number; n?: number }): Promise<StepResult>;
}

export interface StepNodes {
  readonly ids: readonly number[];
  isAlive(id: number): boolean;
}

export type HeldSelector = { readonly kind: 'id'; readonly id: number } | { readonly kind: 'link'; readonly from: number; readonly to: number };

export interface ListedHeld extends HeldInfo {
  /** The cluster-wide short id. */
  readonly gid: number;
  /** The node holding it (its receiver). */
  readonly at: number;
}

export interface StepOutcome {
  readonly ok: boolean;
  readonly text: string;
  readonly detail: readonly string[];
  readonly fields: Readonly<Record<string, unknown>>;
}

export const heldLabel = (h: HeldInfo): string => messageLabel(h);
export const heldLine = (h: ListedHeld): string => `#${h.gid} n${h.from}→n${h.to} ${heldLabel(h)}`;

const heldJson = (h: ListedHeld): Record<string, unknown> => ({
  id: h.gid,
  from: h.from,
  to: h.to,
  type: h.type,
  label: heldLabel(h),
  ...(h.ballot !== undefined ? { ballot: h.ballot } : {}),
  ...(h.slots !== undefined ? { slots: h.slots } : {}),
  bytes: h.bytes,
});

const MAX_STEP = 100;
const SETTLE_MS = 40;
const SETTLE_TRIES = 25;
const FIND_WAIT_MS = 3000;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export class StepControl {
  private pausedNow = false;
  private readonly gids = new Map<string, number>();
  private nextGid = 1;

  constructor(
    private readonly nodes: StepNodes,
    private readonly client: StepClient,
    startPaused = false,
  ) {
    this.pausedNow = startPaused;
  }

  get paused(): boolean {
    return this.pausedNow;
  }

  private live(): number[] {
    return this.nodes.ids.filter((id) => this.nodes.isAlive(id));
  }

  /** Until `count` messages are held (or a while has passed): a command just submitted reaches its leader. */
  async waitForHeld(count: number, withinMs: number): Promise<void> {
    const deadline = Date.now() + withinMs;
    while (Date.now() < deadline) {
      if ((await this.listHeld()).length >= count) return;
      await sleep(SETTLE_MS);
    }
  }

  async pause(): Promise<StepOutcome> {
    const ids = this.live();
    if (ids.length === 0) return { ok: false, text: 'no node is running; restart one first', detail: [], fields: {} };
    const results = await Promise.allSettled(ids.map((id) => this.client.step(id, 'pause')));
    const failed = ids.filter((_, i) => results[i]!.status === 'rejected');
    this.pausedNow = true;
    const text =
      failed.length === 0
        ? `paused ${ids.map((id) => `n${id}`).join(',')}: clocks frozen, peer messages held (held, step, deliver ID, drop ID, tick N, elect N, resume)`
        : `paused, but ${failed.map((id) => `n${id}`).join(',')} did not answer: run pause again`;
    return { ok: failed.length === 0, text, detail: [], fields: { paused: true, pausedNodes: ids.filter((id) => !failed.includes(id)) } };
  }

  /** A node started while paused must be paused too, before it times out on its own. */
  async pauseNode(id: number): Promise<void> {
    if (this.pausedNow) await this.client.step(id, 'pause');
  }

  async resume(): Promise<StepOutcome> {
    const ids = this.live();
    const results = await Promise.allSettled(ids.map((id) => this.client.step(id, 'resume')));
    this.pausedNow = false;
    this.gids.clear();
    const delivered = results.reduce((n, r) => n + (r.status === 'fulfilled' ? r.value.effects.length : 0), 0);
    const failed = ids.filter((_, i) => results[i]!.status === 'rejected');
    const text = failed.length === 0 ? `resumed: clocks run, held messages delivered` : `resumed, but ${failed.map((id) => `n${id}`).join(',')} did not answer: run resume again`;
    return { ok: failed.length === 0, text, detail: [], fields: { paused: false, effectCount: delivered } };
  }

  /** Every live node's held messages, oldest first, each with its cluster-wide id. */
  async listHeld(): Promise<ListedHeld[]> {
    const ids = this.live();
    const results = await Promise.allSettled(ids.map((id) => this.client.step(id, 'held')));
    const all: (HeldInfo & { at: number })[] = [];
    results.forEach((r, i) => {
      if (r.status === 'fulfilled') for (const h of r.value.held) all.push({ ...h, at: ids[i]! });
    });
    all.sort((a, b) => a.heldAt - b.heldAt || a.at - b.at || a.id - b.id);
    const seen = new Set<string>();
    const out = all.map((h) => {
      const key = `${h.at}:${h.id}`;
      seen.add(key);
      let gid = this.gids.get(key);
      if (gid === undefined) {
        gid = this.nextGid++;
        this.gids.set(key, gid);
      }
      return { ...h, gid };
    });
    for (const key of this.gids.keys()) if (!seen.has(key)) this.gids.delete(key);
    return out;
  }

  /**
   * The held list once messages in flight have landed: a step's consequences leave its node
   * when the step returns, but reach (and are held by) their receivers a moment later.
   */
  private async settledList(): Promise<ListedHeld[]> {
    let list = await this.listHeld();
    for (let i = 0; i < SETTLE_TRIES; i++) {
      await sleep(SETTLE_MS);
      const again = await this.listHeld();
      if (again.length === list.length) return again;
      list = again;
    }
    return list;
  }

  async held(): Promise<StepOutcome> {
    const list = await this.settledList();
    if (!this.pausedNow && list.length === 0) return { ok: true, text: 'not paused: nothing is held (pause holds every peer message)', detail: [], fields: { held: [] } };
    const text = list.length === 0 ? 'nothing held' : `${list.length} held: ${list.slice(0, 6).map(heldLine).join(' · ')}${list.length > 6 ? ' · …' : ''}`;
    return { ok: true, text, detail: list.slice(0, 200).map(heldLine), fields: { held: list.map(heldJson) } };
  }

  private find(list: readonly ListedHeld[], sel: HeldSelector): ListedHeld | string {
    const h = sel.kind === 'id' ? list.find((x) => x.gid === sel.id) : list.find((x) => x.from === sel.from && x.to === sel.to);
    if (h !== undefined) return h;
    const what = sel.kind === 'id' ? `#${sel.id}` : `from n${sel.from} to n${sel.to}`;
    return list.length === 0 ? `no message ${what} is held: nothing is held now` : `no message ${what} is held; held lists them`;
  }

  async deliver(sel: HeldSelector, drop = false): Promise<StepOutcome> {
    if (!this.pausedNow) return notPaused();
    let h = this.find(await this.settledList(), sel);
    // A message on its way (a client's retry finding the new leader) may land in a moment.
    for (let waited = 0; typeof h === 'string' && waited < FIND_WAIT_MS; waited += SETTLE_MS * 5) {
      await sleep(SETTLE_MS * 5);
      h = this.find(await this.listHeld(), sel);
    }
    if (typeof h === 'string') return { ok: false, text: h, detail: [], fields: {} };
    return this.deliverOne(h, drop);
  }

  private async deliverOne(h: ListedHeld, drop: boolean): Promise<StepOutcome> {
    const r = await this.client.step(h.at, drop ? 'drop' : 'deliver', { id: h.id });
    this.gids.delete(`${h.at}:${h.id}`);
    const caused = r.effects.length === 0 ? 'no effect' : r.effects.join('; ');
    const text = drop ? `dropped ${heldLine(h)}` : `${heldLine(h)}: n${h.at} ${caused}`;
    return { ok: true, text, detail: drop ? [] : r.effects.map((e) => `  n${h.at} ${e}`), fields: { message: heldJson(h), dropped: drop, effects: r.effects } };
  }

  /** Delivers the oldest `k` held messages, one at a time (each may cause new ones). */
  async step(k: number): Promise<StepOutcome> {
    if (!this.pausedNow) return notPaused();
    const lines: string[] = [];
    const delivered: unknown[] = [];
    for (let i = 0; i < Math.min(k, MAX_STEP); i++) {
      const list = await this.settledList();
      const oldest = list[0];
      if (oldest === undefined) break;
      const o = await this.deliverOne(oldest, false);
      lines.push(o.text);
      delivered.push(o.fields);
    }
    if (lines.length === 0) return { ok: true, text: 'nothing held to deliver (elect N or a client command makes messages)', detail: [], fields: { delivered: [] } };
    const text = lines.length === 1 ? lines[0]! : `delivered ${lines.length}: ${lines.join(' | ')}`;
    return { ok: true, text, detail: lines.length === 1 ? [] : lines, fields: { delivered } };
  }

  async tick(n: number): Promise<StepOutcome> {
    if (!this.pausedNow) return notPaused();
    const ids = this.live();
    const results = await Promise.all(ids.map((id) => this.client.step(id, 'tick', { n })));
    const detail = results.flatMap((r) => r.effects.map((e) => `  n${r.node} ${e}`));
    const text = detail.length === 0 ? `ticked every node ${n}×: nothing happened` : `ticked every node ${n}×: ${detail.map((d) => d.trim()).slice(0, 4).join('; ')}${detail.length > 4 ? '; …' : ''}`;
    return { ok: true, text, detail, fields: { tickCount: n, effects: results.map((r) => ({ node: r.node, effects: r.effects })) } };
  }

  async elect(node: number): Promise<StepOutcome> {
    if (!this.pausedNow) return notPaused();
    if (!this.nodes.isAlive(node)) return { ok: false, text: `node ${node} is down; restart ${node} first`, detail: [], fields: {} };
    const r = await this.client.step(node, 'elect');
    return { ok: true, text: `n${node} ${r.effects.join('; ')}`, detail: r.effects.map((e) => `  n${node} ${e}`), fields: { node, effects: r.effects } };
  }
}

function notPaused(): StepOutcome {
  return { ok: false, text: 'the cluster is not paused; run pause first', detail: [], fields: {} };
}

/** `7`, `#7` or `1>2`; null when it is neither. */
export function parseHeldSelector(raw: string, nodes: NodeIds): HeldSelector | string {
  const id = /^#?(\d{1,9})$/.exec(raw);
  if (id !== null) return { kind: 'id', id: Number(id[1]) };
  const link = /^(\d{1,7})>(\d{1,7})$/.exec(raw);
  if (link !== null) {
    const from = Number(link[1]);
    const to = Number(link[2]);
    for (const n of [from, to]) if (!hasId(nodes, n)) return `node ${n} does not exist; this cluster has nodes ${describeIds(nodes)}`;
    return { kind: 'link', from, to };
  }
  return `"${raw}" names no held message; use its id from held (e.g. 3 or #3) or a link FROM>TO (e.g. 1>2)`;
}
