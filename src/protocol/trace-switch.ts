// The admin action that switches a node's message trace (messages.ndjson) on or off while it
// runs: `{op: "admin", action: "trace", args: {on: boolean}}`, answered with the admin reply and
// `trace`, whether the node traces now. Anything else in args is a bad request. Pure.
import { z } from 'zod';

export const TRACE_ACTION = 'trace';

const traceArgsSchema = z.object({ on: z.boolean() });

export type TraceArgsResult = { readonly ok: true; readonly on: boolean } | { readonly ok: false; readonly error: string };

export function parseTraceArgs(args: unknown): TraceArgsResult {
  const p = traceArgsSchema.safeParse(args);
  return p.success ? { ok: true, on: p.data.on } : { ok: false, error: 'trace needs args {on: true | false}' };
}
