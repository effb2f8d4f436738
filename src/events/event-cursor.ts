/**
 * A position in the feed: the (transaction id, event id) of the last event
 * handed out, written `<xid>.<id>` in decimal. Opaque to consumers; "0.0" is
 * before every event.
 */
export interface EventCursor {
  xid: bigint;
  id: bigint;
}

export const FEED_START: EventCursor = { xid: 0n, id: 0n };

export const EVENT_CURSOR_PATTERN =
  /^(0|[1-9][0-9]{0,19})\.(0|[1-9][0-9]{0,18})$/;

const MAX_XID = 2n ** 64n - 1n;
const MAX_ID = 2n ** 63n - 1n;

/** The cursor `text` names, or null when it names none (a 400 to callers). */
export function parseEventCursor(text: string): EventCursor | null {
  const match = EVENT_CURSOR_PATTERN.exec(text);
  if (match === null) {
    return null;
  }
  const cursor = { xid: BigInt(match[1]), id: BigInt(match[2]) };
  return cursor.xid <= MAX_XID && cursor.id <= MAX_ID ? cursor : null;
}

export function formatEventCursor(cursor: EventCursor): string {
  return `${cursor.xid}.${cursor.id}`;
}
