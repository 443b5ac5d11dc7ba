import React from 'react';
import { Box, Text } from 'ink';
import { cells, clipEnd, fitCells } from './fit.js';
import type { LogCell, LogRow, NodeView } from './state.js';

export interface LogViewProps {
  readonly rows: readonly LogRow[];
  readonly nodes: readonly NodeView[];
  readonly width: number;
  readonly height: number;
  /** Slots scrolled back from the newest (the poller fetched the window ending there). */
  readonly scroll?: number;
  /** One past the newest slot known. */
  readonly latestSlot?: number;
  readonly focused?: boolean;
}

const SLOT_WIDTH = 6;

const fit = fitCells;

/**
 * Chosen: plain green; accepted-not-chosen: yellow with `?`; missing: a gray dot; compacted into
 * the node's snapshot: gray `≡snapshot`; conflict: red, inverse, `!`.
 */
function Cell({ cell, width }: { cell: LogCell | undefined; width: number }): React.JSX.Element {
  if (cell === undefined || cell.kind === 'missing') return <Text color="gray">{fit('·', width)}</Text>;
  if (cell.kind === 'compacted') return <Text color="gray">{fit('≡snapshot', width)}</Text>;
  // The value comes first; the ballot is added only if the value still shows in full or nearly.
  const withBallot = (mark: string) => {
    const ballot = cell.ballot === '' ? '' : ` ${cell.ballot}`;
    const room = width - 1 - mark.length - ballot.length;
    if (ballot !== '' && room >= Math.min(cells(cell.label), 8)) {
      const label = clipEnd(cell.label, room);
      return fit(`${mark}${label}${ballot}`, width - 1);
    }
    return fit(`${mark}${cell.label}`, width - 1);
  };
  switch (cell.kind) {
    case 'chosen':
      return <Text color="green">{withBallot('') + ' '}</Text>;
    case 'accepted':
      return <Text color="yellow">{withBallot('?') + ' '}</Text>;
    case 'conflict':
      return <Text color="red" inverse bold>{withBallot('!') + ' '}</Text>;
  }
}

export function LogView({ rows, nodes, width, height, scroll = 0, latestSlot, focused = false }: LogViewProps): React.JSX.Element {
  const colWidth = Math.max(4, Math.floor((width - SLOT_WIDTH) / Math.max(1, nodes.length)));
  // Rows the poller fetched end where the view ends (the newest slots unless scrolled back).
  const last = rows.at(-1)?.slot ?? -1;
  const newer = scroll > 0 && latestSlot !== undefined ? Math.max(0, latestSlot - 1 - last) : 0;
  let room = Math.max(1, height - (newer > 0 ? 1 : 0));
  const firstSlot = rows.length === 0 ? 0 : Math.max(0, last + 1 - room);
  if (firstSlot > 0) room = Math.max(1, room - 1);
  const visible = rows.slice(-room);
  const above = visible[0]?.slot ?? 0;
  const signs = (above > 0 ? 1 : 0) + (newer > 0 ? 1 : 0);
  const blank = Array.from({ length: Math.max(0, height - visible.length - signs) }, (_, i) => i);
  return (
    <Box flexDirection="column" width={width}>
      <Text wrap="truncate">
        <Text bold>{fit('slot', SLOT_WIDTH)}</Text>
        {nodes.map((n) => (
          <Text key={n.id} bold color={n.alive ? (n.role === 'leader' ? 'green' : undefined) : 'red'}>
            {fit(`n${n.id}${n.alive ? '' : ' down'}`, colWidth)}
          </Text>
        ))}
      </Text>
      {above > 0 ? (
        <Text color={focused ? 'cyan' : 'gray'} wrap="truncate">
          {clipEnd(`↑ ${above} earlier slot${above === 1 ? '' : 's'}${focused ? ' · PgUp' : ' · Ctrl-G then PgUp scrolls the slots'}`, width)}
        </Text>
      ) : null}
      {visible.map((r) => (
        <Text key={r.slot} wrap="truncate">
          <Text color="gray">{fit(String(r.slot), SLOT_WIDTH)}</Text>
          {nodes.map((n) => (
            <Cell key={n.id} cell={r.cells[n.id]} width={colWidth} />
          ))}
        </Text>
      ))}
      {newer > 0 ? (
        <Text color="cyan" wrap="truncate">
          {clipEnd(`↓ ${newer} newer slot${newer === 1 ? '' : 's'} · PgDn, End`, width)}
        </Text>
      ) : null}
      {blank.map((i) => (
        <Text key={`blank-${i}`} color="gray">
          {i === 0 && visible.length === 0 ? 'no slots chosen yet — try: set color blue' : ' '}
        </Text>
      ))}
    </Box>
  );
}
