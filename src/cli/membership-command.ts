// The membership commands: add, remove N, replace N, transfer N, members. The flows live in
// src/cluster/membership-flow.ts, shared with chaos's membership faults (src/chaos may not import
// src/cli); the REPL, scripts and one-shot commands reach them through this module.
export { configJson, DEFAULT_TIMING, MembershipRunner, type MembershipDeps, type MembershipOutcome, type MembershipTiming } from '../cluster/membership-flow.js';
