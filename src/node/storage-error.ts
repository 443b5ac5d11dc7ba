// Every reason a node refuses its data dir; the message is the one line the node prints.
export class StorageError extends Error {
  constructor(
    readonly code: 'locked' | 'open-failed' | 'corrupt' | 'lost' | 'foreign' | 'missing',
    message: string,
  ) {
    super(message);
  }
}
