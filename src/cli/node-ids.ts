// Which node ids a command may name. A cluster that never changed has ids 1..N (a count says
// so); one that grew and shrank has any ids (a list says which). Pure.

/** A node count (ids 1..N) or the ids themselves. */
export type NodeIds = number | readonly number[];

export function idList(nodes: NodeIds): number[] {
  return typeof nodes === 'number' ? Array.from({ length: nodes }, (_, i) => i + 1) : [...nodes].sort((a, b) => a - b);
}

/** "1 to 3" for a run without gaps, "1, 3, 4" otherwise. */
export function describeIds(nodes: NodeIds): string {
  const ids = idList(nodes);
  if (ids.length === 0) return 'none';
  const contiguous = ids.every((id, i) => id === (ids[0] as number) + i);
  return contiguous && ids.length > 2 ? `${ids[0]} to ${ids.at(-1)}` : ids.join(', ');
}

export function hasId(nodes: NodeIds, id: number): boolean {
  return typeof nodes === 'number' ? id >= 1 && id <= nodes : nodes.includes(id);
}

/** The node id a word names, or one line saying why it names none. */
export function parseNodeId(raw: string | undefined, nodes: NodeIds, usage: string): number | string {
  if (raw === undefined) return `missing node id; usage: ${usage}`;
  if (!/^\d{1,7}$/.test(raw)) return typeof nodes === 'number' ? `"${raw}" is not a node id; use a number from 1 to ${nodes}` : `"${raw}" is not a node id; use one of ${describeIds(nodes)}`;
  const id = Number(raw);
  if (!hasId(nodes, id)) return `node ${raw} does not exist; this cluster has nodes ${describeIds(nodes)}`;
  return id;
}
