import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  safeIntegerFromDatabase,
  safeIntegerOrNull,
} from '../common/safe-integer';
import { preparedStatement, SqlDatabase } from '../database/sql-database';
import {
  FEED_START,
  formatEventCursor,
  type EventCursor,
} from './event-cursor';
import type { FeedEvent, FeedPage } from './event.types';

/** How often a long poll looks again: well within the second a consumer may wait. */
const POLL_INTERVAL_MS = 200;

/** Events one prune statement deletes: a short transaction each, however many are due. */
const PRUNE_BATCH = 10_000;

// The transaction id as text (an xid8 reaches JavaScript as a string either
// way) under a name of its own: named `xid`, ORDER BY xid would sort the
// text, where '1000' comes before '999', and a cursor would pass every
// event whose xid has fewer digits.
const COLUMNS = `id, xid::text AS xid_text, type, occurred_at, profile_id, wallet_id, amount, data`;

// Only events whose transaction is older than every one still running: no
// event can appear before them any more (migrations/1764105000000-EventFeed.ts).
const SETTLED = `xid < pg_snapshot_xmin(pg_current_snapshot())`;

const PAGE = preparedStatement(
  'events_page',
  `SELECT ${COLUMNS} FROM events
    WHERE (xid, id) > ($1::xid8, $2::bigint) AND ${SETTLED}
    ORDER BY xid, id
    LIMIT $3`,
);

const NEWEST = preparedStatement(
  'events_newest',
  `SELECT ${COLUMNS} FROM events WHERE ${SETTLED}
    ORDER BY xid DESC, id DESC
    LIMIT $1`,
);

// The one way the service may delete events (the migration's function).
const PRUNE = preparedStatement(
  'events_prune',
  `SELECT prune_events($1::int, $2::int) AS deleted`,
);

interface EventRow {
  id: string;
  xid_text: string;
  type: string;
  occurred_at: Date;
  profile_id: string | null;
  wallet_id: string | null;
  amount: string | null;
  data: Record<string, unknown>;
}

/**
 * The event feed other modules page through: oldest first, each event once,
 * whatever order the transactions that wrote them committed in.
 */
@Injectable()
export class EventFeed implements OnModuleDestroy {
  private closing = false;

  constructor(private readonly database: SqlDatabase) {}

  /**
   * Up to `limit` events after `after`; when there are none and `waitSeconds`
   * is positive, waits up to that long for one. An empty page's cursor is
   * `after` itself.
   */
  async page(
    after: EventCursor,
    limit: number,
    waitSeconds = 0,
  ): Promise<FeedPage> {
    const deadline = Date.now() + waitSeconds * 1000;
    for (;;) {
      const rows = await this.database.run<EventRow>(PAGE, [
        after.xid.toString(),
        after.id.toString(),
        limit,
      ]);
      if (rows.length > 0 || Date.now() >= deadline || this.closing) {
        return pageOf(rows, after);
      }
      await sleep(Math.min(POLL_INTERVAL_MS, deadline - Date.now()));
    }
  }

  /** The newest `count` settled events, oldest first, and the cursor after them. */
  async newest(count: number): Promise<FeedPage> {
    const rows = await this.database.run<EventRow>(NEWEST, [count]);
    return pageOf(rows.reverse(), FEED_START);
  }

  /** Deletes events that occurred more than `days` days ago: how many. */
  async prune(days: number): Promise<number> {
    let pruned = 0;
    for (;;) {
      const [{ deleted }] = await this.database.run<{ deleted: number }>(
        PRUNE,
        [days, PRUNE_BATCH],
      );
      pruned += deleted;
      if (deleted < PRUNE_BATCH) {
        return pruned;
      }
    }
  }

  onModuleDestroy(): void {
    // A long poll in flight answers at its next look rather than hold shutdown.
    this.closing = true;
  }
}

function pageOf(rows: EventRow[], after: EventCursor): FeedPage {
  const last = rows.at(-1);
  return {
    items: rows.map(eventOf),
    nextCursor: formatEventCursor(
      last === undefined
        ? after
        : { xid: BigInt(last.xid_text), id: BigInt(last.id) },
    ),
  };
}

function eventOf(row: EventRow): FeedEvent {
  return {
    id: safeIntegerFromDatabase(row.id),
    type: row.type,
    occurredAt: row.occurred_at,
    profileId: safeIntegerOrNull(row.profile_id),
    walletId: safeIntegerOrNull(row.wallet_id),
    amount: safeIntegerOrNull(row.amount),
    data: row.data,
  };
}
