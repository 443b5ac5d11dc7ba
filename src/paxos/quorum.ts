/** The smallest number of nodes any two of which intersect: a strict majority. */
export function quorumSize(clusterSize: number): number {
  if (!Number.isInteger(clusterSize) || clusterSize < 1) throw new Error(`bad cluster size ${clusterSize}`);
  return Math.floor(clusterSize / 2) + 1;
}

export function isQuorum(votes: number, clusterSize: number): boolean {
  return votes >= quorumSize(clusterSize);
}
