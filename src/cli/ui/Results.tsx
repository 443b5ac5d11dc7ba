import React from 'react';
import { Box, Text } from 'ink';
import { cells, clipMiddle } from './fit.js';
import type { ResultLine } from './state.js';

export interface ResultsProps {
  readonly results: readonly ResultLine[];
  readonly lines: number;
  readonly width: number;
  /** Results scrolled back from the newest (0: the newest are shown). */
  readonly scroll?: number;
  /** The scroll keys act here now (the hint says where they act). */
  readonly focused?: boolean;
}

/**
 * One row per result. A long one is shortened in the middle, the command more than the answer,
 * so the answer's end (a path, a verdict, "OK slot 3") stays on screen.
 */
export function resultRow(r: ResultLine, width: number): { prefix: string; text: string } {
  if (r.input === '') return { prefix: '', text: clipMiddle(r.text, width) };
  const full = `› ${r.input} → `;
  if (cells(full) + cells(r.text) <= width) return { prefix: full, text: r.text };
  const inputRoom = Math.max(8, Math.min(cells(r.input), Math.floor(width * 0.35)));
  const prefix = `› ${clipMiddle(r.input, inputRoom)} → `;
  return { prefix, text: clipMiddle(r.text, Math.max(1, width - cells(prefix))) };
}

export function Results({ results, lines, width, scroll = 0, focused = false }: ResultsProps): React.JSX.Element {
  const end = Math.max(0, results.length - scroll);
  const newer = results.length - end;
  // Each sign takes a row from the results it stands for.
  let room = Math.max(1, lines - (newer > 0 ? 1 : 0));
  if (end > room) room = Math.max(1, room - 1);
  const start = Math.max(0, end - room);
  const shown = results.slice(start, end);
  const above = start;
  const signs = (above > 0 ? 1 : 0) + (newer > 0 ? 1 : 0);
  const blank = Math.max(0, lines - shown.length - signs);
  return (
    <Box flexDirection="column" width={width}>
      {Array.from({ length: blank }, (_, i) => (
        <Text key={`b${i}`}> </Text>
      ))}
      {above > 0 ? (
        <Text color={focused ? 'cyan' : 'gray'} wrap="truncate">
          ↑ {above} more result line{above === 1 ? '' : 's'} · PgUp
        </Text>
      ) : null}
      {shown.map((r) => {
        const row = resultRow(r, width);
        return (
          <Text key={r.id} wrap="truncate">
            {row.prefix === '' ? null : <Text color="gray">{row.prefix}</Text>}
            <Text color={r.ok ? undefined : 'red'} bold={!r.ok && r.text.includes('CONFLICT')}>
              {row.text}
            </Text>
          </Text>
        );
      })}
      {newer > 0 ? (
        <Text color="cyan" wrap="truncate">
          ↓ {newer} newer · PgDn, End
        </Text>
      ) : null}
    </Box>
  );
}
