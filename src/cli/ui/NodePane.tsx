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
  const borderColor = node.member === 'removed' ? 'gray' : flash?.tone === 'bad' || node.role === 'down' ? 'red' : flash !== null ? (flash.tone === 'good' ? 'green' : 'cyan') : node.role === 'leader' ? 'green' : 'gray';
  const lines = node.lines.slice(-logLines);
  const padded = [...lines, ...Array.from({ length: logLines - lines.length }, () => '')];
  const idx = (v: number | null) => (v === null ? '?' : String(v));
  const removed = node.member === 'removed';
  // A learner (or a node not in the configuration yet) never campaigns: it follows, and says
  // what it is in place of the role. A voter is the usual case and is not named.
  const member = (node.member === 'learner' || node.member === 'joining' || node.member === 'leaving') && node.role === 'follower' ? node.member : null;
  const roleText = removed ? 'REMOVED' : member !== null ? member : node.role === 'leader' ? 'LEADER' : node.role;
  const tag = flash !== null && !(removed && flash.text === 'REMOVED') ? flash.text : node.catchingUp ? 'catching up' : '';
  return (
    <Box flexDirection="column" width={width} borderStyle={node.role === 'leader' ? 'double' : 'round'} borderColor={borderColor}>
      <Text wrap="truncate">
        <Text bold>n{node.id} </Text>
        <Text color={removed ? 'red' : member !== null ? 'yellow' : ROLE_COLOR[node.role]} bold={node.role === 'leader' || removed} inverse={node.role === 'down' && !removed}>
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
