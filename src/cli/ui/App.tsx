import React, { useCallback, useEffect, useState } from 'react';
import { Box, Text, useStdout } from 'ink';
import { completeLine } from '../complete.js';
import { FaultBar, faultBarRows } from './FaultBar.js';
import { computeLayout } from './layout.js';
import { LogView } from './LogView.js';
import { LogViewer } from './LogViewer.js';
import { NodePane } from './NodePane.js';
import { Repl } from './Repl.js';
import { Results } from './Results.js';
import { useThrottledState, type Store } from './store.js';

export interface AppProps {
  readonly store: Store;
  readonly onSubmit: (line: string) => void;
  readonly onQuit: () => void;
  /** Esc while a command runs: stop it if it can be stopped (chaos); true if it was. */
  readonly onCancel?: () => boolean;
  /** For tests: a fixed size instead of the terminal's. */
  readonly size?: { columns: number; rows: number };
  readonly renderIntervalMs?: number;
}

function useTerminalSize(fixed?: { columns: number; rows: number }): { columns: number; rows: number } {
  const { stdout } = useStdout();
  const read = () => ({ columns: stdout.columns || 80, rows: stdout.rows || 24 });
  const [size, setSize] = useState(read);
  useEffect(() => {
    if (fixed !== undefined) return;
    const onResize = () => setSize(read());
    stdout.on('resize', onResize);
    return () => {
      stdout.off('resize', onResize);
    };
  }, [stdout, fixed]);
  return fixed ?? size;
}

export function App({ store, onSubmit, onQuit, onCancel, size, renderIntervalMs }: AppProps): React.JSX.Element {
  const state = useThrottledState(store, renderIntervalMs);
  const { columns, rows } = useTerminalSize(size);
  const layout = computeLayout(columns, rows, state.nodes.length);
  const complete = useCallback((line: string) => completeLine(line, state.nodes.length), [state.nodes.length]);
  const onHint = useCallback((text: string | null) => store.dispatch({ type: 'hint', text }), [store]);
  // A multi-line result (help, status) borrows rows from the log view so it shows whole.
  let lastBlock = 0;
  for (let i = state.results.length - 1; i >= 0; i--) {
    lastBlock++;
    if (state.results[i]?.input !== '') break;
  }
  // The fault/chaos bar, when shown, takes its rows from the log view too.
  const faults = state.faults ?? null;
  const chaos = state.chaos ?? null;
  const barRows = Math.min(faultBarRows(faults, chaos), Math.max(0, layout.logViewRows - 1));
  const borrowed = Math.max(0, Math.min(lastBlock - layout.resultLines, layout.logViewRows - 1 - barRows));
  const paneRows: (typeof state.nodes)[] = [];
  for (let i = 0; i < state.nodes.length; i += layout.panesPerRow) paneRows.push(state.nodes.slice(i, i + layout.panesPerRow));
  const viewer = state.viewer ?? null;
  if (viewer !== null) {
    return <LogViewer node={viewer.node} dir={viewer.dir} file={viewer.file} width={layout.width} rows={rows} onClose={() => store.dispatch({ type: 'viewer', target: null })} />;
  }
  const stoppable = state.running !== null && /^chaos\b/.test(state.running) && onCancel !== undefined;
  const hint = state.running !== null ? `… ${state.running}${stoppable ? '  (Esc stops the faults early)' : ''}` : (state.hint ?? 'Tab completes · ↑/↓ history · ←/→ edit · help · quit (Ctrl-C)');
  return (
    <Box flexDirection="column" width={layout.width}>
      {paneRows.map((row, i) => (
        <Box key={i} flexDirection="row">
          {row.map((n) => (
            <NodePane key={n.id} node={n} width={layout.paneWidth} logLines={layout.paneLogLines} now={state.now} />
          ))}
        </Box>
      ))}
      <LogView rows={state.logRows} nodes={state.nodes} width={layout.width} height={layout.logViewRows - borrowed - barRows} />
      <Results results={state.results} lines={layout.resultLines + borrowed} width={layout.width} />
      <FaultBar faults={faults} chaos={chaos} width={layout.width} />
      <Text wrap="truncate" color="gray">
        {hint}
      </Text>
      <Repl
        history={state.history}
        onSubmit={onSubmit}
        onQuit={onQuit}
        {...(onCancel !== undefined ? { onCancel } : {})}
        complete={complete} onHint={onHint} width={layout.width} />
    </Box>
  );
}
