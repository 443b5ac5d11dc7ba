// One or two lines above the hint: the fault rules in force, and a running chaos command's
// progress bar with the time left and the fault it is injecting now.
import React from 'react';
import { Box, Text } from 'ink';
import type { ChaosView } from './state.js';

export interface FaultBarProps {
  readonly faults: string | null;
  readonly chaos: ChaosView | null;
  readonly width: number;
}

/** How many rows the bar takes, so the layout can give them up elsewhere. */
export function faultBarRows(faults: string | null, chaos: ChaosView | null): number {
  return (faults !== null ? 1 : 0) + (chaos !== null ? 1 : 0);
}

export function chaosLine(c: ChaosView, width: number): string {
  const left = Math.max(0, Math.ceil((c.durationMs - c.elapsedMs) / 1000));
  const head = `chaos ${c.phase === 'running' ? `${left}s left` : c.phase} `;
  const tail = ` ${c.ops} ops · ${c.faults} faults · ${c.faultLine}`;
  const barWidth = Math.max(10, Math.min(30, width - head.length - 30));
  const done = c.durationMs <= 0 ? barWidth : Math.round((barWidth * Math.min(c.elapsedMs, c.durationMs)) / c.durationMs);
  return `${head}[${'#'.repeat(done)}${'.'.repeat(barWidth - done)}]${tail}`;
}

export function FaultBar({ faults, chaos, width }: FaultBarProps): React.JSX.Element | null {
  if (faults === null && chaos === null) return null;
  return (
    <Box flexDirection="column" width={width}>
      {faults !== null ? (
        <Text wrap="truncate" color="yellow">
          ⚡ {faults}
        </Text>
      ) : null}
      {chaos !== null ? (
        <Text wrap="truncate" color="magenta">
          {chaosLine(chaos, width)}
        </Text>
      ) : null}
    </Box>
  );
}
