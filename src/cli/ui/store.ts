// A tiny store around the reducer. Dispatch never renders by itself: the UI subscribes and
// re-renders at most every `throttleMs` (100 events a second must not mean 100 redraws).
import { useEffect, useState } from 'react';
import { reduce, type UiAction, type UiState } from './state.js';

export interface Store {
  getState(): UiState;
  dispatch(action: UiAction): void;
  subscribe(fn: () => void): () => void;
}

export function createStore(initial: UiState): Store {
  let state = initial;
  const listeners = new Set<() => void>();
  return {
    getState: () => state,
    dispatch(action) {
      const next = reduce(state, action);
      if (next === state) return;
      state = next;
      for (const fn of listeners) fn();
    },
    subscribe(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
  };
}

export const RENDER_INTERVAL_MS = 100;

/** The store's state, refreshed at most once per interval (trailing edge always delivered). */
export function useThrottledState(store: Store, intervalMs = RENDER_INTERVAL_MS): UiState {
  const [state, setState] = useState(store.getState());
  useEffect(() => {
    let timer: NodeJS.Timeout | null = null;
    let last = 0;
    const flush = () => {
      timer = null;
      last = Date.now();
      setState(store.getState());
    };
    const off = store.subscribe(() => {
      if (timer !== null) return;
      const wait = Math.max(0, last + intervalMs - Date.now());
      timer = setTimeout(flush, wait);
    });
    // Anything dispatched between the first render and this effect.
    setState(store.getState());
    return () => {
      off();
      if (timer !== null) clearTimeout(timer);
    };
  }, [store, intervalMs]);
  return state;
}
