import React, { useCallback, useEffect, useState } from 'react';
import { Box, Text, useStdout } from 'ink';
import { completeLine } from '../complete.js';
import { FaultBar, faultBarRows } from './FaultBar.js';
import { flowPage } from './flow-layout.js';
import { FlowView } from './FlowView.js';
import { computeLayout } from './layout.js';
import { clipEnd, wrapWords } from './fit.js';
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
  /** After a scroll key: the slot grid may need the window it now shows. */
  readonly onScrolled?: () => void;
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

export function App({ store, onSubmit, onQuit, onCancel, size, renderIntervalMs, onScrolled }: AppProps): React.JSX.Element {
  const state = useThrottledState(store, renderIntervalMs);
  const { columns, rows } = useTerminalSize(size);
  const layout = computeLayout(columns, rows, state.nodes.length);
  // Tab offers the ids of the members (not of a removed node's pane).
  const memberIds = state.nodes.filter((n) => n.member !== 'removed').map((n) => n.id).join(',');
  const complete = useCallback((line: string) => completeLine(line, memberIds === '' ? [] : memberIds.split(',').map(Number)), [memberIds]);
  const onHint = useCallback((text: string | null) => store.dispatch({ type: 'hint', text }), [store]);
  const onToggleFlow = useCallback(() => store.dispatch({ type: 'flow', how: 'toggle' }), [store]);
  const flow = state.flow?.on === true ? state.flow : null;
  // A multi-line result (help, status) borrows rows from the log view so it shows whole.
  let lastBlock = 0;
  for (let i = state.results.length - 1; i >= 0; i--) {
    lastBlock++;
    if (state.results[i]?.input !== '') break;
  }
  // The fault/chaos bar, when shown, takes its rows from the log view too.
  const faults = state.faults ?? null;
  const chaos = state.chaos ?? null;
  // The configuration line, once a node says it, takes a row from the slot grid too.
  const config = state.config ?? null;
  const configRows = config !== null && layout.logViewRows > 2 ? 1 : 0;
  const barRows = Math.min(faultBarRows(faults, chaos) + configRows, Math.max(0, layout.logViewRows - 1));
  const borrowed = Math.max(0, Math.min(lastBlock - layout.resultLines, layout.logViewRows - 1 - barRows));
  // Rows the slot grid has but does not fill (a young log) show older results instead.
  const gridHeight = layout.logViewRows - borrowed - barRows;
  const firstSlot = state.logRows[0]?.slot ?? 0;
  const gridNeed = (state.logScroll ?? 0) > 0 ? gridHeight : Math.max(1, state.logRows.length + (firstSlot > 0 ? 1 : 0));
  const paneRows: (typeof state.nodes)[] = [];
  for (let i = 0; i < state.nodes.length; i += layout.panesPerRow) paneRows.push(state.nodes.slice(i, i + layout.panesPerRow));
  // The flow view takes the panes' rows and the slot grid's (its title line included) and fills them.
  const flowHeight = (l: typeof layout, rowsTaken: number) => Math.ceil(state.nodes.length / l.panesPerRow) * (5 + l.paneLogLines) + 1 + l.logViewRows - rowsTaken;
  const spare = flow !== null ? 0 : Math.max(0, Math.min(gridHeight - gridNeed, state.results.length - (layout.resultLines + borrowed)));
  const scrollTarget = state.scrollTarget ?? 'results';
  const onScroll = useCallback(
    (how: 'page-up' | 'page-down' | 'home' | 'end' | 'switch') => {
      const l = computeLayout(columns, rows, store.getState().nodes.length);
      const s = store.getState();
      const page = (s.scrollTarget ?? 'results') === 'results' ? l.resultLines : s.flow?.on === true ? flowPage(flowHeight(l, 0)) : l.logViewRows;
      store.dispatch({ type: 'scroll', how, page });
      onScrolled?.();
    },
    [store, columns, rows, onScrolled],
  );
  const repl = (width: number) => (
    <Repl
      history={state.history}
      onSubmit={onSubmit}
      onQuit={onQuit}
      {...(onCancel !== undefined ? { onCancel } : {})}
      complete={complete} onHint={onHint} width={width} onScroll={onScroll} onToggleFlow={onToggleFlow} />
  );
  if (layout.tooSmall !== null) {
    // One message instead of a broken screen; the prompt stays so `quit` (or anything) still works.
    const lines = wrapWords(layout.tooSmall, Math.max(10, columns), Math.max(1, rows - 2));
    return (
      <Box flexDirection="column" width={Math.max(10, columns)}>
        {lines.map((l, i) => (
          <Text key={i} color="yellow">
            {l}
          </Text>
        ))}
        {repl(Math.max(10, columns))}
      </Box>
    );
  }
  const viewer = state.viewer ?? null;
  if (viewer !== null) {
    return <LogViewer node={viewer.node} dir={viewer.dir} file={viewer.file} width={layout.width} rows={rows} onClose={() => store.dispatch({ type: 'viewer', target: null })} />;
  }
  const stoppable = state.running !== null && /^chaos\b/.test(state.running) && onCancel !== undefined;
  const starting = state.nodes.filter((n) => n.role === 'starting').length;
  const grid = flow !== null ? 'messages' : 'slots';
  const idleHint =
    starting > 0
      ? `starting ${state.nodes.length} nodes… ${state.nodes.length - starting}/${state.nodes.length} ready`
      : flow !== null
        ? `heartbeats ${flow.heartbeats ? 'shown' : 'hidden'} (flow hb) · PgUp/Dn ${scrollTarget === 'results' ? 'results' : grid} (Ctrl-G: ${scrollTarget === 'results' ? grid : 'results'}) · Ctrl-T panes`
        : `Tab completes · PgUp/PgDn ${scrollTarget === 'results' ? 'results' : 'slots'} (Ctrl-G: ${scrollTarget === 'results' ? 'slots' : 'results'}) · Ctrl-T flow · help · quit`;
  const queued = state.queued ?? 0;
  const pending = state.running === null ? '' : `… ${state.running}${queued > 0 ? ` (${queued} more queued)` : ''} · ${stoppable ? 'Esc stops the faults early' : 'Esc cancels'}`;
  // A hint set while something runs (Ctrl-C during chaos) says more than the pending line.
  const hint = clipEnd(state.running !== null ? (state.hint !== null && /Ctrl-C again/.test(state.hint) ? state.hint : pending) : (state.hint ?? idleHint), layout.width);
  return (
    <Box flexDirection="column" width={layout.width}>
      {configRows > 0 ? (
        <Text wrap="truncate" color="cyan">
          {clipEnd(config ?? '', layout.width)}
        </Text>
      ) : null}
      {flow !== null ? (
        <FlowView flow={flow} nodes={state.nodes} width={layout.width} height={flowHeight(layout, borrowed + barRows)} focused={scrollTarget === 'log'} />
      ) : (
        <>
          {paneRows.map((row, i) => (
            <Box key={i} flexDirection="row">
              {row.map((n) => (
                <NodePane key={n.id} node={n} width={layout.paneWidth} logLines={layout.paneLogLines} now={state.now} />
              ))}
            </Box>
          ))}
          <LogView rows={state.logRows} nodes={state.nodes} width={layout.width} height={gridHeight - spare} scroll={state.logScroll ?? 0} {...(state.latestSlot !== undefined ? { latestSlot: state.latestSlot } : {})} focused={scrollTarget === 'log'} />
        </>
      )}
      <Results results={state.results} lines={layout.resultLines + borrowed + spare} width={layout.width} scroll={state.resultScroll ?? 0} focused={scrollTarget === 'results'} />
      <FaultBar faults={faults} chaos={chaos} width={layout.width} />
      <Text wrap="truncate" color="gray">
        {hint}
      </Text>
      {repl(layout.width)}
    </Box>
  );
}
