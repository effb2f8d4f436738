import type { TestDatabase } from './test-database';

/**
 * Waits until every transaction begun before now has ended. The event
 * feed's horizon is the cluster's oldest running transaction, and the
 * suites running beside this one share the cluster: one of theirs held
 * open keeps events committed here out of the feed until it ends.
 */
export async function feedSettled(database: TestDatabase): Promise<void> {
  const deadline = Date.now() + 20_000;
  await database.asOwner(async (owner) => {
    const [{ xid }] = await owner.query<{ xid: string }[]>(
      'SELECT pg_current_xact_id()::text AS xid',
    );
    for (;;) {
      const [{ passed }] = await owner.query<{ passed: boolean }[]>(
        'SELECT pg_snapshot_xmin(pg_current_snapshot()) > $1::xid8 AS passed',
        [xid],
      );
      if (passed) {
        return;
      }
      if (Date.now() > deadline) {
        throw new Error('a transaction stayed open for 20 s');
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  });
}
