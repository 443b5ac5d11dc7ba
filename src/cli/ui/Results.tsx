import React from 'react';
import { Box, Text } from 'ink';
import type { ResultLine } from './state.js';

export interface ResultsProps {
  readonly results: readonly ResultLine[];
  readonly lines: number;
  readonly width: number;
}

export function Results({ results, lines, width }: ResultsProps): React.JSX.Element {
  const shown = results.slice(-lines);
  const blank = Array.from({ length: Math.max(0, lines - shown.length) }, (_, i) => i);
  return (
    <Box flexDirection="column" width={width}>
      {blank.map((i) => (
        <Text key={`b${i}`}> </Text>
      ))}
      {shown.map((r) => (
        <Text key={r.id} wrap="truncate">
          {r.input === '' ? null : <Text color="gray">› {r.input} → </Text>}
          <Text color={r.ok ? undefined : 'red'} bold={!r.ok && r.text.includes('CONFLICT')}>
            {r.text}
          </Text>
        </Text>
      ))}
    </Box>
  );
}
