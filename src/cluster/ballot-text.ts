// Ballots as the UI shows them ("round.node"), compared: who leads with the higher ballot.

/** Negative, zero or positive as ballot text a is below, equal to or above b. */
export function compareBallotText(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 2; i++) {
    const d = (pa[i] ?? -1) - (pb[i] ?? -1);
    if (d !== 0 && !Number.isNaN(d)) return d;
  }
  return 0;
}
