// The words for a node's events: one place for the UI panes, the `logs` viewer and
// `paxos-cli logs`, so a line reads the same wherever it is shown.
import type { NodeEvent } from '../cluster/node-events.js';

/** Control characters in a node's words are shown, never sent to the terminal (no escape sequences). */
export function printable(text: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are what this replaces
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** The pane's line for an event; null for those the pane leaves out (chosen: too many). */
export function eventLine(e: NodeEvent): string | null {
  const line = eventWords(e);
  return line === null ? null : printable(line);
}

function eventWords(e: NodeEvent): string | null {
  switch (e.event) {
    case 'role':
      return `${e.role} b${e.ballot}`;
    case 'chosen':
      return null; // too many to list; the commit index shows them
    case 'log':
      return e.msg;
    case 'ready':
      return `ready${e.port === undefined ? '' : ` :${e.port}`}${e.replayed ? ` replayed ${e.replayed}` : ''}`;
    case 'other':
      return otherLine(e.name, e.fields) ?? `${e.name} ${e.text}`.trim();
  }
}

/** The full log's line for an event: every event, chosen ones and log levels included. */
export function logText(e: NodeEvent): string {
  if (e.event === 'chosen') {
    const from = e.fromSlot !== undefined && e.fromSlot !== e.slot ? `${e.fromSlot}..` : '';
    return `chosen ${from}${e.slot} (commit ${e.commitIndex})`;
  }
  if (e.event === 'log' && (e.level === 'warn' || e.level === 'error')) return printable(`${e.level}: ${e.msg}`);
  return eventLine(e) ?? e.event;
}

/** Local wall-clock time of an event, HH:MM:SS.mmm. */
export function clockTime(t: number): string {
  const d = new Date(t);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}

/** Short words for the node events the panes care about; anything else is shown as key=value. */
function otherLine(name: string, f: Readonly<Record<string, unknown>>): string | null {
  const s = (v: unknown) => String(v);
  switch (name) {
    case 'leader':
      return `leader is n${s(f.leader)} b${s(f.ballot)}`;
    case 'election':
      return `election b${s(f.ballot)}`;
    case 'nacked':
      return `nacked b${s(f.ballot)} (promised ${s(f.promised)})`;
    case 'catchup':
      return `catch-up ${s(f.fromSlot)}..${s(f.toSlot)} from n${s(f.peer)}`;
    case 'stopping':
      return `stopping: ${s(f.reason)}`;
    case 'bad-frames':
      return `bad frames: ${s(f.total)}`;
    case 'config':
      return `config chosen in slot ${s(f.slot)}: ${membersWords(f)} (rules from slot ${s(f.activeFrom)})`;
    case 'config-in-force':
      return `config of slot ${s(f.slot)} in force: ${membersWords(f)}`;
    case 'removed':
      return `removed by the config chosen in slot ${s(f.slot)}`;
    case 'transfer':
      return f.state === 'started' ? `handing leadership to n${s(f.to)}` : f.state === 'sent' ? `asked n${s(f.to)} to take over (timeout-now)` : `gave up handing leadership to n${s(f.to)}`;
    default:
      return null;
  }
}

/** "voters 1,2,3 learners 4" from an event's id lists. */
function membersWords(f: Readonly<Record<string, unknown>>): string {
  const ids = (v: unknown) => (Array.isArray(v) ? v.map(String).join(',') : '?');
  const learners = Array.isArray(f.learners) && f.learners.length > 0 ? ` learners ${ids(f.learners)}` : '';
  return `voters ${ids(f.voters)}${learners}`;
}
