// The flow view's part of the UI state: shown or not, heartbeats shown or not, the messages the
// trace poller built and where the view is scrolled to. Pure, like the reducer that calls it.
import type { FlowMessage } from '../flow-messages.js';
import type { FlowHow } from '../parse-command.js';
import { anchorAt, bottomOf, type FlowAnchor } from './flow-layout.js';

export type { FlowHow };

export interface FlowState {
  readonly on: boolean;
  /** Heartbeats and their answers: ten a second per follower, so hidden unless asked for. */
  readonly heartbeats: boolean;
  readonly messages: readonly FlowMessage[];
  /** The last message shown when scrolled back; null: following the newest. */
  readonly anchor: FlowAnchor | null;
  /** Traces that could not be read, one line each. */
  readonly errors: readonly string[];
}

export const INITIAL_FLOW: FlowState = { on: false, heartbeats: false, messages: [], anchor: null, errors: [] };

const memo = new WeakMap<readonly FlowMessage[], readonly FlowMessage[]>();

/** The messages the view draws (cached per message list: renders and scroll keys reuse it). */
export function visibleMessages(f: FlowState): readonly FlowMessage[] {
  if (f.heartbeats) return f.messages;
  let v = memo.get(f.messages);
  if (v === undefined) {
    v = f.messages.filter((m) => !m.heartbeat);
    memo.set(f.messages, v);
  }
  return v;
}

export function flowSwitched(f: FlowState, how: FlowHow): FlowState {
  switch (how) {
    case 'toggle':
      return flowSwitched(f, f.on ? 'off' : 'on');
    case 'on':
      return f.on ? f : { ...f, on: true, anchor: null };
    case 'off':
      // The messages go with the view: the poller reads the traces again when it comes back.
      return f.on ? { ...INITIAL_FLOW, heartbeats: f.heartbeats } : f;
    case 'heartbeats':
      // Anchored on a message, the view stays where it was whether heartbeats show or not.
      return { ...f, heartbeats: !f.heartbeats };
  }
}

/** PgUp/PgDn/Home/End on the flow view; `page` is the message rows it shows. */
export function flowScrolled(f: FlowState, how: 'page-up' | 'page-down' | 'home' | 'end', page: number): FlowState {
  const shown = visibleMessages(f);
  const bottom = bottomOf(shown, f.anchor);
  const step = Math.max(1, page - 1);
  const top = Math.min(shown.length, Math.max(1, page));
  const next = how === 'page-up' ? Math.max(top, bottom - step) : how === 'page-down' ? bottom + step : how === 'home' ? top : shown.length;
  return { ...f, anchor: next >= shown.length ? null : anchorAt(shown, next) };
}

/** The result line of `flow`, said after the switch (the executor does not know the screen). */
export function flowResultText(f: FlowState): string {
  if (!f.on) return 'flow view off: the node panes and the slot grid are back (Ctrl-T or flow shows it again)';
  return `flow view: one lane per node, newest at the bottom; heartbeats ${f.heartbeats ? 'shown (flow hb hides them)' : 'hidden (flow hb shows them)'}`;
}
