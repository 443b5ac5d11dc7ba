// Parsing of a node's stdout: one JSON event per line (see src/node/events.ts for the writer).
// Lenient on purpose: an unknown event or a garbled line is shown, never fatal.

export type NodeEvent =
  | { readonly event: 'role'; readonly role: 'leader' | 'follower' | 'candidate'; readonly ballot: string; readonly t?: number }
  | { readonly event: 'chosen'; readonly slot: number; readonly commitIndex: number; readonly fromSlot?: number; readonly t?: number }
  | { readonly event: 'log'; readonly level: string; readonly msg: string; readonly t?: number }
  | { readonly event: 'ready'; readonly port?: number; readonly replayed?: number; readonly t?: number }
  | { readonly event: 'other'; readonly name: string; readonly text: string; readonly fields: Readonly<Record<string, unknown>>; readonly t?: number };

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}
function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** Describes the fields of an event other than the envelope, for a log line. */
function describe(obj: Record<string, unknown>): string {
  return Object.entries(obj)
    .filter(([k]) => k !== 't' && k !== 'node' && k !== 'event')
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
}

export function parseNodeEventLine(line: string): NodeEvent | null {
  const trimmed = line.trim();
  if (trimmed === '') return null;
  let obj: unknown;
  try {
    obj = JSON.parse(trimmed);
  } catch {
    return { event: 'log', level: 'raw', msg: trimmed.slice(0, 500) };
  }
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) {
    return { event: 'log', level: 'raw', msg: trimmed.slice(0, 500) };
  }
  const o = obj as Record<string, unknown>;
  const t = num(o.t);
  const base = t === undefined ? {} : { t };
  const name = str(o.event) ?? str(o.type) ?? 'unknown';
  switch (name) {
    case 'role': {
      const role = str(o.role);
      if (role === 'leader' || role === 'follower' || role === 'candidate') {
        return { ...base, event: 'role', role, ballot: str(o.ballot) ?? String(o.ballot ?? '?') };
      }
      break;
    }
    case 'chosen': {
      const slot = num(o.slot);
      const commitIndex = num(o.commitIndex);
      const fromSlot = num(o.fromSlot);
      if (slot !== undefined && commitIndex !== undefined) return { ...base, event: 'chosen', slot, commitIndex, ...(fromSlot === undefined ? {} : { fromSlot }) };
      break;
    }
    case 'log':
      return { ...base, event: 'log', level: str(o.level) ?? 'info', msg: str(o.msg) ?? describe(o) };
    case 'ready': {
      const port = num(o.port);
      const replayed = num(o.replayed);
      return { ...base, event: 'ready', ...(port === undefined ? {} : { port }), ...(replayed === undefined ? {} : { replayed }) };
    }
    default:
      break;
  }
  return { ...base, event: 'other', name, text: describe(o), fields: o };
}
