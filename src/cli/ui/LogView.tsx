import React from 'react';
import { Box, Text } from 'ink';
import type { LogCell, LogRow, NodeView } from './state.js';

export interface LogViewProps {
  readonly rows: readonly LogRow[];
  readonly nodes: readonly NodeView[];
  readonly width: number;
  readonly height: number;
}

const SLOT_WIDTH = 6;

function fit(text: string, width: number): string {
  if (width <= 0) return '';
  const t = text.length > width ? text.slice(0, Math.max(0, width - 1)) + '…' : text;
  return t.padEnd(width);
}

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
    if (ballot !== '' && room >= Math.min(cell.label.length, 8)) {
      const label = cell.label.length > room ? cell.label.slice(0, room - 1) + '…' : cell.label;
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

export function LogView({ rows, nodes, width, height }: LogViewProps): React.JSX.Element {
  const colWidth = Math.max(4, Math.floor((width - SLOT_WIDTH) / Math.max(1, nodes.length)));
  // Follow the tail: the newest slots are always visible.
  const visible = rows.slice(-height);
  const blank = Array.from({ length: Math.max(0, height - visible.length) }, (_, i) => i);
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
      {visible.map((r) => (
        <Text key={r.slot} wrap="truncate">
          <Text color="gray">{fit(String(r.slot), SLOT_WIDTH)}</Text>
          {nodes.map((n) => (
            <Cell key={n.id} cell={r.cells[n.id]} width={colWidth} />
          ))}
        </Text>
      ))}
      {blank.map((i) => (
        <Text key={`blank-${i}`} color="gray">
          {i === 0 && visible.length === 0 ? 'no slots chosen yet — try: set color blue' : ' '}
        </Text>
      ))}
    </Box>
  );
}
