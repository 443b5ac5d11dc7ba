// The flow view's screen, pure: one lane per node, time downward, one message per line drawn as
// an arrow from its sender's lane to its receiver's (`├──P 3.2──▶│`), cut to `height` lines of
// `width` cells with signs for what is above and below. Tested without Ink.
import type { FlowMessage } from '../flow-messages.js';
import { clipEnd } from './fit.js';

export type Tone = 'lane' | 'header' | 'leader' | 'down' | 'sign' | 'note' | 'delivered' | 'heartbeat' | 'in-flight' | 'lost' | 'dropped' | 'held';

export interface Segment {
  readonly text: string;
  readonly tone: Tone;
}

export interface FlowLane {
  readonly id: number;
  readonly leader?: boolean;
  readonly down?: boolean;
}

export interface FlowFrame {
  /** Exactly `height` lines (or one, when too small), each of at most `width` cells. */
  readonly lines: readonly (readonly Segment[])[];
  /** Messages above and below the lines shown. */
  readonly above: number;
  readonly below: number;
  readonly tooSmall: string | null;
}

/** Narrower lanes leave no room for a label between neighbours. */
export const MIN_LANE_WIDTH = 6;

/** Where a scrolled-back view stands: the last message it shows. */
export interface FlowAnchor {
  readonly order: number;
  readonly from: number;
  readonly to: number;
}

const cmp = (m: FlowAnchor, a: FlowAnchor) => m.order - a.order || m.from - a.from || m.to - a.to;

/** How many of `messages` (sorted) are at or before the anchor: the end of the window shown. */
export function bottomOf(messages: readonly FlowMessage[], anchor: FlowAnchor | null): number {
  if (anchor === null) return messages.length;
  let lo = 0;
  let hi = messages.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cmp(messages[mid] as FlowMessage, anchor) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The anchor that shows messages up to `bottom` (exclusive); null, following, at the end. */
export function anchorAt(messages: readonly FlowMessage[], bottom: number): FlowAnchor | null {
  if (bottom >= messages.length || bottom <= 0) return bottom <= 0 && messages.length > 0 ? anchorOf(messages[0] as FlowMessage) : null;
  return anchorOf(messages[bottom - 1] as FlowMessage);
}

const anchorOf = (m: FlowMessage): FlowAnchor => ({ order: m.order, from: m.from, to: m.to });

/** Message rows a view of `height` lines shows when both signs are up. */
export const flowPage = (height: number): number => Math.max(1, height - 3);

// Labels come from files on disk: anything but printable ASCII becomes `?`, so every character
// takes one cell and none reaches the terminal as a control sequence.
const ascii = (s: string) => s.replace(/[^\x20-\x7e]/g, '?');

const statusTone = (m: FlowMessage): Tone => (m.status === 'delivered' ? (m.heartbeat ? 'heartbeat' : 'delivered') : m.status);

/** Labels from the most to the least said; the first that fits `room` cells is drawn. */
export function labelChoices(m: FlowMessage): string[] {
  const label = ascii(m.label);
  const kind = label.split(' ')[0] ?? label;
  const noSlots = label.replace(/ s\d+(-\d+)?$/, '');
  // An Accept's slot range already says how many it carries.
  const count = m.n !== undefined && m.n > 1 && m.type !== 'accept' ? ` x${m.n}` : '';
  const why = m.why === undefined ? '' : ascii(m.why);
  const [long, short] =
    m.status === 'lost' ? [' lost', '']
    : m.status === 'dropped' ? [` dropped ${why}`, ' drop']
    : m.status === 'held' ? [` held #${m.holdId ?? '?'}`, ` #${m.holdId ?? '?'}`]
    : m.holdId !== undefined ? [` was held #${m.holdId}`, ''] : ['', ''];
  const out = [label + count + long, label + long, label + short, label, noSlots + short, noSlots, kind + short, kind];
  return [...new Set(out)];
}

export function pickLabel(m: FlowMessage, room: number): string {
  if (room <= 0) return '';
  for (const l of labelChoices(m)) if (l.length <= room) return l;
  return clipEnd(labelChoices(m).at(-1) ?? '', room);
}

interface Cell {
  ch: string;
  tone: Tone;
}

function toSegments(cells: readonly Cell[]): Segment[] {
  const out: { text: string; tone: Tone }[] = [];
  for (const c of cells) {
    const last = out.at(-1);
    if (last !== undefined && last.tone === c.tone) last.text += c.ch;
    else out.push({ text: c.ch, tone: c.tone });
  }
  return out;
}

interface Geometry {
  readonly laneWidth: number;
  readonly centers: ReadonlyMap<number, number>;
}

function geometry(lanes: readonly FlowLane[], width: number): Geometry {
  const laneWidth = Math.floor(width / Math.max(1, lanes.length));
  return { laneWidth, centers: new Map(lanes.map((l, i) => [l.id, i * laneWidth + Math.floor(laneWidth / 2)])) };
}

function laneCells(g: Geometry, width: number): Cell[] {
  const cells: Cell[] = Array.from({ length: width }, () => ({ ch: ' ', tone: 'note' as Tone }));
  for (const x of g.centers.values()) cells[x] = { ch: '│', tone: 'lane' };
  return cells;
}

function put(cells: Cell[], x: number, text: string, tone: Tone): void {
  for (let i = 0; i < text.length; i++) if (x + i >= 0 && x + i < cells.length) cells[x + i] = { ch: text[i] as string, tone };
}

/** One message's line: the arrow, its head (or the mark of what became of it) and its label. */
export function arrowLine(m: FlowMessage, g: Geometry, width: number): Segment[] {
  const cells = laneCells(g, width);
  const tone = statusTone(m);
  const a = g.centers.get(m.from);
  const b = g.centers.get(m.to);
  if (a === undefined || b === undefined || a === b) {
    // To itself, or to a node this cluster does not have: a dot on the lane it knows, words after it.
    const x = a ?? b ?? 0;
    const other = a === undefined ? `n${m.from}→` : b === undefined ? `→n${m.to} ` : '';
    put(cells, x, '•', tone);
    put(cells, x + 1, clipEnd(other + pickLabel(m, 99), Math.max(0, g.laneWidth - 2)), tone);
    return toSegments(cells);
  }
  const dir = b > a ? 1 : -1;
  const lost = m.status === 'lost';
  const droppedAtSender = m.status === 'dropped' && m.dropAt === m.from;
  for (let x = a + dir; x !== b; x += dir) {
    const onLane = cells[x]?.ch === '│';
    const ch = droppedAtSender ? ' ' : onLane ? '┼' : lost || m.status === 'in-flight' ? '╌' : '─';
    cells[x] = { ch: droppedAtSender && onLane ? '│' : ch, tone: droppedAtSender && onLane ? 'lane' : tone };
  }
  cells[a] = { ch: dir > 0 ? '├' : '┤', tone };
  const head = m.status === 'lost' || m.status === 'dropped' ? '✗' : m.status === 'held' ? '⏸' : dir > 0 ? '▶' : '◀';
  put(cells, droppedAtSender ? a + dir : b - dir, head, tone);
  const lo = Math.min(a, b) + 2;
  const hi = Math.max(a, b) - 2;
  const label = pickLabel(m, hi - lo + 1);
  // Across lanes, the label goes beside its sender when it fits there whole, so it covers no lane.
  const near = dir > 0 ? a + g.laneWidth : a - g.laneWidth;
  const [glo, ghi] = dir > 0 ? [lo, Math.min(hi, near - 2)] : [Math.max(lo, near + 2), hi];
  const [x0, x1] = label.length <= ghi - glo + 1 ? [glo, ghi] : [lo, hi];
  if (label !== '') put(cells, x0 + Math.floor((x1 - x0 + 1 - label.length) / 2), label, tone);
  return toSegments(cells);
}

function headerLine(lanes: readonly FlowLane[], g: Geometry, width: number): Segment[] {
  const cells = laneCells(g, width).map((c) => ({ ...c, ch: ' ' }));
  for (const l of lanes) {
    const x = g.centers.get(l.id) ?? 0;
    // The name starts on its lane's line, so the lane is found under its `n`.
    const name = clipEnd(`n${l.id}${l.down === true ? ' down' : l.leader === true ? ' L' : ''}`, Math.max(2, g.laneWidth - Math.floor(g.laneWidth / 2)));
    put(cells, x, name, l.down === true ? 'down' : l.leader === true ? 'leader' : 'header');
  }
  return toSegments(cells);
}

export interface FlowLayoutInput {
  /** Sorted, already filtered (heartbeats hidden or not). */
  readonly messages: readonly FlowMessage[];
  readonly lanes: readonly FlowLane[];
  readonly width: number;
  readonly height: number;
  /** The window's end, exclusive (messages.length when following). */
  readonly bottom: number;
  /** What the PgUp/PgDn keys scroll now; the signs say how to reach the view if not this. */
  readonly focused?: boolean;
  /** The first empty line's words when there is no message at all. */
  readonly empty?: string;
}

export function layoutFlow(i: FlowLayoutInput): FlowFrame {
  const { lanes, width, height } = i;
  if (lanes.length === 0 || Math.floor(width / lanes.length) < MIN_LANE_WIDTH || height < 4) {
    const text = `too small for the flow view: ${lanes.length} nodes need ${Math.max(1, lanes.length) * MIN_LANE_WIDTH}x4 (this is ${width}x${height})`;
    return { lines: [[{ text: clipEnd(text, width), tone: 'sign' }]], above: 0, below: 0, tooSmall: text };
  }
  const g = geometry(lanes, width);
  const total = i.messages.length;
  // Rows left for messages once the header and the signs that end needs are drawn.
  const roomFor = (end: number) => {
    let room = height - 1 - (end < total ? 1 : 0);
    if (end > room) room -= 1;
    return room;
  };
  let bottom = Math.min(total, Math.max(0, i.bottom));
  let room = roomFor(bottom);
  if (bottom < room && bottom < total) {
    // Scrolled back to the top: the window still fills the screen.
    bottom = Math.min(total, room);
    room = roomFor(bottom);
  }
  const first = Math.max(0, bottom - room);
  const newer = total - bottom;
  const lines: Segment[][] = [headerLine(lanes, g, width)];
  const focus = i.focused === true ? '' : ' (Ctrl-G first)';
  if (first > 0) lines.push([{ text: clipEnd(`↑ ${first} earlier message${first === 1 ? '' : 's'} · PgUp, Home${focus}`, width), tone: 'sign' }]);
  for (const m of i.messages.slice(first, bottom)) lines.push(arrowLine(m, g, width));
  if (newer > 0) lines.push([{ text: clipEnd(`↓ ${newer} newer · PgDn, End follows${focus}`, width), tone: 'sign' }]);
  const shown = bottom - first;
  while (lines.length < height) {
    const blank = laneCells(g, width);
    if (shown === 0 && lines.length === 1 && i.empty !== undefined) put(blank, 0, clipEnd(i.empty, width), 'note');
    lines.push(toSegments(blank));
  }
  return { lines, above: first, below: newer, tooSmall: null };
}
