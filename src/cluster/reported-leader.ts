// Which node leads, as the nodes themselves say (their role events): the local supervisor reads
// them from stdout, attach from the nodes' mirrored logs. Chaos aims at it.

/** Of the nodes that said they lead, the one with the highest ballot ("round.node"), or null. */
export function highestLeader(nodes: Iterable<{ readonly id: number; readonly role: string | null; readonly ballot: string | null }>): number | null {
  let best: { id: number; ballot: number[] } | null = null;
  for (const n of nodes) {
    if (n.role !== 'leader' || n.ballot === null) continue;
    const ballot = n.ballot.split('.').map(Number);
    if (best === null || compareNums(ballot, best.ballot) > 0) best = { id: n.id, ballot };
  }
  return best?.id ?? null;
}

function compareNums(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}
