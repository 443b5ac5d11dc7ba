#!/usr/bin/env node
import { main } from '../dist/cli/main.js';
// `paxos-cli --help | head` closes the pipe early: that is not an error worth a stack trace.
process.stdout.on('error', (err) => process.exit(err.code === 'EPIPE' ? 0 : 1));
main(process.argv.slice(2));
