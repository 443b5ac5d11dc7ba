import React from 'react';
import { Box, Text } from 'ink';
import { clipEnd } from './fit.js';
import type { NodeView } from './state.js';

export interface NodePaneProps {
  readonly node: NodeView;
  readonly width: number;
  readonly logLines: number;
  readonly now: number;
}

const ROLE_COLOR: Record<NodeView['role'], string> = {
  leader: 'green',
  follower: 'white',
  candidate: 'yellow',
  down: 'red',
  starting: 'gray',
  unreachable: 'magenta',
};

const clip = clipEnd;

export function NodePane({ node, width, logLines, now }: NodePaneProps): React.JSX.Element {
  const inner = Math.max(4, width - 2);
  const flash = node.flash !== null && node.flash.until > now ? node.flash : null;
  const borderColor = flash?.tone === 'bad' || node.role === 'down' ? 'red' : flash !== null ? (flash.tone === 'good' ? 'green' : 'cyan') : node.role === 'leader' ? 'green' : 'gray';
  const lines = node.lines.slice(-logLines);
  const padded = [...lines, ...Array.from({ length: logLines - lines.length }, () => '')];
  const idx = (v: number | null) => (v === null ? '?' : String(v));
  const roleText = node.role === 'leader' ? 'LEADER' : node.role;
  const tag = flash !== null ? flash.text : node.catchingUp ? 'catching up' : '';
  return (
    <Box flexDirection="column" width={width} borderStyle={node.role === 'leader' ? 'double' : 'round'} borderColor={borderColor}>
      <Text wrap="truncate">
        <Text bold>n{node.id} </Text>
        <Text color={ROLE_COLOR[node.role]} bold={node.role === 'leader'} inverse={node.role === 'down'}>
          {roleText}
        </Text>
        {tag !== '' ? <Text color={flash?.tone === 'bad' ? 'red' : 'cyan'}> {tag}</Text> : null}
      </Text>
      <Text wrap="truncate" dimColor={!node.alive}>
        {clip(`b${node.ballot} p${node.promised}`, inner)}
      </Text>
      <Text wrap="truncate" dimColor={!node.alive}>
        {clip(`c${idx(node.commitIndex)} a${idx(node.appliedIndex)}`, inner)}
      </Text>
      {padded.map((l, i) => (
        <Text key={i} wrap="truncate" color="gray">
          {clip(l, inner) || ' '}
        </Text>
      ))}
    </Box>
  );
}
