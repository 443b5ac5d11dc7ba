// The admin actions that change who runs the cluster: `config` (args {members}) proposes the
// next configuration, `transfer` (args {to}) hands leadership over. Only their arguments are
// checked here; the leader's core decides whether the change may go ahead now.
import { z } from 'zod';
import { configProblem, MAX_LEARNERS, MAX_VOTERS } from '../paxos/membership.js';
import { MAX_NODE_ID, MAX_SLOT } from '../paxos/limits.js';
import type { Member, NodeId } from '../paxos/types.js';
import { memberSchema } from '../protocol/wire.js';
import { isZ85Key } from '../cluster/x25519.js';

export const CONFIG_ACTION = 'config';
export const TRANSFER_ACTION = 'transfer';

export type MembershipAction =
  /** basedOn: the slot of the configuration the caller built this one from (refused if another was chosen since). */
  | { readonly ok: true; readonly action: 'config'; readonly members: readonly Member[]; readonly basedOn?: number }
  | { readonly ok: true; readonly action: 'transfer'; readonly to: NodeId }
  | { readonly ok: false; readonly error: string };

const configArgs = z.strictObject({
  members: z.array(memberSchema).min(1).max(MAX_VOTERS + MAX_LEARNERS),
  basedOn: z.number().int().min(-1).max(MAX_SLOT).optional(),
});
const transferArgs = z.strictObject({ to: z.number().int().min(1).max(MAX_NODE_ID) });

function issue(e: z.ZodError): string {
  const i = e.issues[0];
  return i === undefined ? 'invalid' : `${i.path.length > 0 ? `${i.path.join('.')}: ` : ''}${i.message}`;
}

/**
 * Null when `action` is neither; else the parsed arguments or one line saying what is wrong.
 * secure: links use CURVE, so every member needs the public key that will prove it.
 */
export function parseMembershipAction(action: string, args: unknown, secure: boolean): MembershipAction | null {
  if (action === TRANSFER_ACTION) {
    const p = transferArgs.safeParse(args);
    if (!p.success) return { ok: false, error: `transfer needs args {to: ID} (${issue(p.error)})` };
    return { ok: true, action: 'transfer', to: p.data.to };
  }
  if (action !== CONFIG_ACTION) return null;
  const p = configArgs.safeParse(args);
  if (!p.success) return { ok: false, error: `config needs args {members: [{id, voter, host, port, publicKey}, ...]} (${issue(p.error)})` };
  const members: Member[] = p.data.members.map((m) => ({ id: m.id, voter: m.voter, host: m.host, port: m.port, ...(m.publicKey !== undefined ? { publicKey: m.publicKey } : {}) }));
  const problem = configProblem(members);
  if (problem !== null) return { ok: false, error: `not a valid configuration: ${problem}` };
  for (const m of members) {
    if (m.host === '' || m.port < 1) return { ok: false, error: `node ${m.id} needs the host and port it listens on` };
    if (secure && m.publicKey === undefined) return { ok: false, error: `node ${m.id} needs its public key: links are CURVE-authenticated` };
    if (m.publicKey !== undefined && !isZ85Key(m.publicKey)) return { ok: false, error: `node ${m.id}'s public key is not a CURVE key (40 Z85 characters)` };
  }
  const keys = members.flatMap((m) => (m.publicKey === undefined ? [] : [m.publicKey]));
  if (new Set(keys).size !== keys.length) return { ok: false, error: 'two members share a public key' };
  return { ok: true, action: 'config', members, ...(p.data.basedOn !== undefined ? { basedOn: p.data.basedOn } : {}) };
}
