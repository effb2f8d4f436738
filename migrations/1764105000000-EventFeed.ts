import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The event feed (transactional outbox): every movement, payout, hold and
 * purchase change writes its event rows in the transaction that makes the
 * change, by statement-level triggers on the tables the change writes, so no
 * code path (a coalesced batch, a CTE, the console) can move coins without
 * its event, and a rolled-back change leaves none.
 *
 * `xid` is the writing transaction's id. The feed hands out only events whose
 * transaction is older than every transaction still running
 * (`pg_snapshot_xmin(pg_current_snapshot())`), in (xid, id) order: once past
 * that horizon no event can still appear before a cursor, so a consumer
 * paging with the returned cursor never misses an event that committed late
 * and never sees one twice (docs/decisions.md, "The event feed").
 */
export class EventFeed1764105000000 implements MigrationInterface {
  name = 'EventFeed1764105000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE events (
        id bigint GENERATED ALWAYS AS IDENTITY,
        xid xid8 NOT NULL DEFAULT pg_current_xact_id(),
        type text NOT NULL,
        occurred_at timestamptz NOT NULL DEFAULT now(),
        profile_id bigint,
        wallet_id bigint,
        amount bigint,
        data jsonb NOT NULL DEFAULT '{}',
        -- The feed's order, and the one index every event keeps up.
        CONSTRAINT events_pkey PRIMARY KEY (xid, id)
      )`);
    // Events are facts: never changed. Pruning past retention deletes them.
    await queryRunner.query(`
      CREATE TRIGGER events_immutable
        BEFORE UPDATE ON events
        FOR EACH ROW EXECUTE FUNCTION reject_immutable_change()`);

    // A transfer is one event, from its outgoing leg, naming both sides.
    await queryRunner.query(`
      CREATE FUNCTION events_from_ledger() RETURNS trigger
      LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO events (type, profile_id, wallet_id, amount, data)
        SELECT CASE
                 WHEN n.transfer_id IS NOT NULL THEN 'transfer.completed'
                 WHEN n.amount > 0 THEN 'wallet.credited'
                 ELSE 'wallet.debited'
               END,
               w.profile_id, n.wallet_id, abs(n.amount),
               CASE WHEN n.transfer_id IS NULL THEN
                 jsonb_build_object('transactionId', n.id, 'reason', n.reason,
                                    'balanceAfter', n.balance_after)
               ELSE
                 jsonb_build_object('transferId', n.transfer_id,
                                    'transactionId', n.id,
                                    'balanceAfter', n.balance_after,
                                    'toProfileId', tw.profile_id,
                                    'toWalletId', t.wallet_id,
                                    'toTransactionId', t.id,
                                    'toBalanceAfter', t.balance_after)
               END
          FROM new_rows n
          JOIN wallets w ON w.id = n.wallet_id
          LEFT JOIN wallet_transactions t
                 ON n.transfer_id IS NOT NULL AND t.transfer_id = n.transfer_id AND t.amount > 0
          LEFT JOIN wallets tw ON tw.id = t.wallet_id
         WHERE n.transfer_id IS NULL OR n.amount < 0
         ORDER BY n.id;
        RETURN NULL;
      END
      $$`);
    await queryRunner.query(`
      CREATE TRIGGER wallet_transactions_events
        AFTER INSERT ON wallet_transactions
        REFERENCING NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION events_from_ledger()`);

    await queryRunner.query(`
      CREATE FUNCTION events_from_prizes() RETURNS trigger
      LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO events (type, profile_id, wallet_id, amount, data)
        SELECT 'payout.paid', w.profile_id, t.wallet_id, n.coins,
               jsonb_build_object('tournamentId', n.tournament_id,
                                  'registrationId', n.registration_id,
                                  'placement', n.placement,
                                  'transactionId', n.wallet_transaction_id)
          FROM new_rows n
          JOIN wallet_transactions t ON t.id = n.wallet_transaction_id
          JOIN wallets w ON w.id = t.wallet_id
         ORDER BY n.id;
        RETURN NULL;
      END
      $$`);
    await queryRunner.query(`
      CREATE TRIGGER prize_transactions_events
        AFTER INSERT ON prize_transactions
        REFERENCING NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION events_from_prizes()`);

    // hold.placed on insert; hold.captured|released|expired when it ends.
    await queryRunner.query(`
      CREATE FUNCTION events_from_holds() RETURNS trigger
      LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'INSERT' THEN
          INSERT INTO events (type, profile_id, wallet_id, amount, data)
          SELECT 'hold.placed', w.profile_id, n.wallet_id, n.amount,
                 jsonb_build_object('holdId', n.id, 'reason', n.reason,
                                    'expiresAt', n.expires_at)
            FROM new_rows n JOIN wallets w ON w.id = n.wallet_id
           ORDER BY n.id;
        ELSE
          INSERT INTO events (type, profile_id, wallet_id, amount, data)
          SELECT 'hold.' || lower(n.status), w.profile_id, n.wallet_id,
                 coalesce(n.captured_amount, n.amount),
                 jsonb_build_object('holdId', n.id, 'reason', n.reason,
                                    'heldAmount', n.amount,
                                    'transactionId', n.transaction_id)
            FROM new_rows n
            JOIN old_rows o ON o.id = n.id
            JOIN wallets w ON w.id = n.wallet_id
           WHERE n.status IS DISTINCT FROM o.status
           ORDER BY n.id;
        END IF;
        RETURN NULL;
      END
      $$`);
    await queryRunner.query(`
      CREATE TRIGGER holds_events_placed
        AFTER INSERT ON holds
        REFERENCING NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION events_from_holds()`);
    await queryRunner.query(`
      CREATE TRIGGER holds_events_ended
        AFTER UPDATE ON holds
        REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION events_from_holds()`);

    // purchase.created on insert; purchase.<status> on each transition.
    await queryRunner.query(`
      CREATE FUNCTION events_from_purchases() RETURNS trigger
      LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'INSERT' THEN
          INSERT INTO events (type, profile_id, wallet_id, amount, data)
          SELECT 'purchase.created', n.profile_id, h.wallet_id, n.total,
                 jsonb_build_object('purchaseId', n.id, 'holdId', n.hold_id,
                                    'expiresAt', n.expires_at)
            FROM new_rows n JOIN holds h ON h.id = n.hold_id
           ORDER BY n.id;
        ELSE
          INSERT INTO events (type, profile_id, wallet_id, amount, data)
          SELECT 'purchase.' || lower(n.status), n.profile_id, h.wallet_id, n.total,
                 jsonb_build_object('purchaseId', n.id, 'holdId', n.hold_id,
                                    'transactionId', n.transaction_id,
                                    'refundTransactionId', n.refund_transaction_id)
            FROM new_rows n
            JOIN old_rows o ON o.id = n.id
            JOIN holds h ON h.id = n.hold_id
           WHERE n.status IS DISTINCT FROM o.status
           ORDER BY n.id;
        END IF;
        RETURN NULL;
      END
      $$`);
    await queryRunner.query(`
      CREATE TRIGGER purchases_events_created
        AFTER INSERT ON purchases
        REFERENCING NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION events_from_purchases()`);
    await queryRunner.query(`
      CREATE TRIGGER purchases_events_changed
        AFTER UPDATE ON purchases
        REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION events_from_purchases()`);

    // Pruning is the one delete, and only of events a day old at least: the
    // service may not delete events its consumers have yet to read.
    await queryRunner.query(`
      CREATE FUNCTION prune_events(p_days int, p_limit int) RETURNS int
      LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
      DECLARE
        pruned int;
      BEGIN
        IF p_days IS NULL OR p_days < 1 THEN
          RAISE EXCEPTION 'events are kept a day at least (asked: % days)', p_days
            USING ERRCODE = 'invalid_parameter_value';
        END IF;
        -- The oldest events in the feed's order (transaction ids follow
        -- time within a transaction's length): no index on the time to keep
        -- up on every event.
        DELETE FROM events WHERE (xid, id) IN (
          SELECT xid, id FROM (
            SELECT xid, id, occurred_at FROM events ORDER BY xid, id LIMIT p_limit) oldest
           WHERE occurred_at < now() - make_interval(days => p_days));
        GET DIAGNOSTICS pruned = ROW_COUNT;
        RETURN pruned;
      END
      $$`);
    await queryRunner.query(
      `REVOKE ALL ON FUNCTION prune_events(int, int) FROM PUBLIC`,
    );
    // The service writes events (its triggers run as it) and prunes them.
    await queryRunner.query(
      `GRANT SELECT, INSERT ON TABLE events TO deltacrown_app`,
    );
    await queryRunner.query(
      `GRANT EXECUTE ON FUNCTION prune_events(int, int) TO deltacrown_app`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    for (const [trigger, table] of [
      ['purchases_events_changed', 'purchases'],
      ['purchases_events_created', 'purchases'],
      ['holds_events_ended', 'holds'],
      ['holds_events_placed', 'holds'],
      ['prize_transactions_events', 'prize_transactions'],
      ['wallet_transactions_events', 'wallet_transactions'],
    ]) {
      await queryRunner.query(`DROP TRIGGER ${trigger} ON ${table}`);
    }
    await queryRunner.query(`DROP FUNCTION prune_events(int, int)`);
    for (const fn of [
      'events_from_purchases',
      'events_from_holds',
      'events_from_prizes',
      'events_from_ledger',
    ]) {
      await queryRunner.query(`DROP FUNCTION ${fn}()`);
    }
    await queryRunner.query(`DROP TABLE events`);
  }
}
