import { MAX_NODE_ID, roundInRange, slotInRange } from './limits.js';
import type { Ballot, Message } from './types.js';

function ballotInRange(b: Ballot): boolean {
  return roundInRange(b.round) && Number.isInteger(b.node) && b.node >= 0 && b.node <= MAX_NODE_ID;
}

const slotsOk = (entries: readonly { readonly slot: number }[]): boolean => entries.every((e) => slotInRange(e.slot));

/**
 * True when every ballot and slot in the message is within the core's bounds. The runtime's
 * schema checks the same bounds; the core checks again so no caller can feed it a number its
 * arithmetic or its asserts cannot take.
 */
export function messageInRange(m: Message): boolean {
  switch (m.type) {
    case 'prepare':
      return ballotInRange(m.ballot) && slotInRange(m.fromSlot) && (m.transfer === undefined || ballotInRange(m.transfer));
    case 'promise':
      return (
        ballotInRange(m.ballot) &&
        slotInRange(m.fromSlot) &&
        slotInRange(m.commitIndex) &&
        slotsOk(m.chosen) &&
        m.accepted.every((e) => slotInRange(e.slot) && ballotInRange(e.ballot))
      );
    case 'timeout-now':
      return ballotInRange(m.ballot);
    case 'nack':
      return ballotInRange(m.ballot) && ballotInRange(m.promised);
    case 'accept':
      return ballotInRange(m.ballot) && slotInRange(m.commitIndex) && slotsOk(m.entries);
    case 'accepted':
      return ballotInRange(m.ballot) && m.slots.every(slotInRange) && (m.read === undefined || slotInRange(m.read)) && (m.commitIndex === undefined || slotInRange(m.commitIndex));
    case 'heartbeat':
      return ballotInRange(m.ballot) && slotInRange(m.commitIndex) && (m.read === undefined || slotInRange(m.read));
    case 'read-req':
      return slotInRange(m.id);
    case 'read-resp':
      return slotInRange(m.id) && (m.index === null || slotInRange(m.index));
    case 'prevote':
      return ballotInRange(m.ballot) && slotInRange(m.commitIndex);
    case 'prevote-resp':
      return ballotInRange(m.ballot) && (m.commitIndex === undefined || slotInRange(m.commitIndex));
    case 'catchup-req':
      return slotInRange(m.fromSlot) && slotInRange(m.toSlot);
    case 'catchup-resp':
      return slotInRange(m.commitIndex) && slotsOk(m.entries);
    case 'snapshot':
      return slotInRange(m.snapshotIndex) && Number.isSafeInteger(m.offset) && Number.isSafeInteger(m.total);
  }
}
