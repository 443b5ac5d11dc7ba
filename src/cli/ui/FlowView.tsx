// The flow view: the message diagram in place of the node panes and the slot grid. The drawing
// is flow-layout.ts's; this only colours it.
import React, { useMemo } from 'react';
import { Box, Text } from 'ink';
import { bottomOf, layoutFlow, type Segment, type Tone } from './flow-layout.js';
import { visibleMessages, type FlowState } from './flow-state.js';
import type { NodeView } from './state.js';

export interface FlowViewProps {
  readonly flow: FlowState;
  readonly nodes: readonly NodeView[];
  readonly width: number;
  /** Lines it takes, its header and signs included. */
  readonly height: number;
  readonly focused: boolean;
}

const COLORS: Partial<Record<Tone, string>> = {
  lane: 'gray', header: 'white', leader: 'green', down: 'red', sign: 'cyan', note: 'gray',
  heartbeat: 'gray', 'in-flight': 'gray', lost: 'red', dropped: 'magenta', held: 'yellow',
};

function Line({ segments }: { segments: readonly Segment[] }): React.JSX.Element {
  return (
    <Text wrap="truncate">
      {segments.map((s, i) => {
        const color = COLORS[s.tone];
        return (
          <Text key={i} {...(color !== undefined ? { color } : {})} bold={s.tone === 'header' || s.tone === 'leader'}>
            {s.text}
          </Text>
        );
      })}
    </Text>
  );
}

export function FlowView({ flow, nodes, width, height, focused }: FlowViewProps): React.JSX.Element {
  const messages = visibleMessages(flow);
  const lanes = useMemo(() => nodes.map((n) => ({ id: n.id, leader: n.role === 'leader', down: !n.alive })), [nodes]);
  const bottom = bottomOf(messages, flow.anchor);
  const empty = flow.errors[0] ?? (flow.messages.length === 0 ? 'no messages traced yet (DIR/node-N/messages.ndjson)' : 'only heartbeats so far: flow hb shows them');
  const frame = useMemo(
    () => layoutFlow({ messages, lanes, width, height, bottom, focused, empty }),
    [messages, lanes, width, height, bottom, focused, empty],
  );
  return (
    <Box flexDirection="column" width={width}>
      {frame.lines.map((l, i) => (
        <Line key={i} segments={l} />
      ))}
    </Box>
  );
}
