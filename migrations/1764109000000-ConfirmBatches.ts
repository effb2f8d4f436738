import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Purchase confirms in batches, one call and one commit each (the service's
 * ShopBatchCoalescer), as movements and redemptions are:
 * shop_confirm_batch captures the hold of every pending purchase of the
 * batch whose hold can be captured and completes the purchase, and answers
 * each its own outcome: `completed` (with the purchase as it now stands),
 * `skipped` (a first call met a row another transaction holds: the caller
 * sends it again, in a call that waits) or `alone` (anything else: not
 * pending, unknown, a hold that ended or expired; nothing of it was written,
 * and the caller's own path decides and says why).
 *
 * Its steps take the locks of one purchase's confirm, in the same order, a
 * kind at a time and ascending within each: the purchases, their holds,
 * their wallets. Every path that holds more than one of them takes them in
 * that order (checkout has no purchase or hold yet: its wallet, then its
 * items), so a batch waits on no one who waits on it. A first call skips
 * rows others hold locked; the service sends a confirm skipped there again
 * holding its buyer's profile, so that a locked wallet's confirms wait one
 * batch at a time, on one lane (ShopBatchCoalescer). A hold's expiry is
 * judged by the clock when its lock is granted, as a capture's is.
 *
 * A capture writes what one capture writes: a ledger row of the hold's
 * reason and meta with its `holdId`, the wallet's balance and held total
 * down by the amount, the hold CAPTURED with its transaction, the purchase
 * COMPLETED with it. Two purchases of one wallet chain their ledger rows in
 * hold order.
 */
export class ConfirmBatches1764109000000 implements MigrationInterface {
  name = 'ConfirmBatches1764109000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE FUNCTION shop_confirm_batch(p_ids bigint[], p_wait boolean)
      RETURNS TABLE (i integer, outcome text, purchase purchases)
      LANGUAGE plpgsql
      SET plan_cache_mode = force_generic_plan
      AS $$
      DECLARE
        size integer := cardinality(p_ids);
        state text[] := array_fill('skipped'::text, ARRAY[cardinality(p_ids)]);
        k integer;
        w integer;
        pu_ids bigint[];
        pu_holds bigint[];
        pu_status text[];
        known bigint[];
        m_hold bigint[] := array_fill(NULL::bigint, ARRAY[cardinality(p_ids)]);
        m_wallet bigint[] := array_fill(NULL::bigint, ARRAY[cardinality(p_ids)]);
        m_amount bigint[] := array_fill(NULL::bigint, ARRAY[cardinality(p_ids)]);
        m_reason text[] := array_fill(NULL::text, ARRAY[cardinality(p_ids)]);
        m_meta jsonb[] := array_fill(NULL::jsonb, ARRAY[cardinality(p_ids)]);
        h_ids bigint[];
        h_wallets bigint[];
        h_amounts bigint[];
        h_reasons text[];
        h_metas jsonb[];
        h_status text[];
        h_expires timestamptz[];
        w_ids bigint[];
        w_balance bigint[];
        leg_i integer[] := '{}';
        leg_wallet bigint[] := '{}';
        leg_amount bigint[] := '{}';
        leg_balance bigint[] := '{}';
        leg_reason text[] := '{}';
        leg_meta jsonb[] := '{}';
        leg_hold bigint[] := '{}';
        written_ids bigint[];
        written_holds bigint[];
      BEGIN
        IF size = 0 THEN
          RETURN;
        END IF;

        -- 1. The purchases, ascending.
        IF p_wait THEN
          SELECT array_agg(p.id ORDER BY p.id), array_agg(p.hold_id ORDER BY p.id),
                 array_agg(p.status ORDER BY p.id)
            INTO pu_ids, pu_holds, pu_status
            FROM (SELECT id, hold_id, status FROM purchases
                   WHERE id = ANY (p_ids) ORDER BY id FOR NO KEY UPDATE) p;
        ELSE
          SELECT array_agg(p.id ORDER BY p.id), array_agg(p.hold_id ORDER BY p.id),
                 array_agg(p.status ORDER BY p.id)
            INTO pu_ids, pu_holds, pu_status
            FROM (SELECT id, hold_id, status FROM purchases
                   WHERE id = ANY (p_ids) ORDER BY id FOR NO KEY UPDATE SKIP LOCKED) p;
        END IF;
        IF NOT p_wait AND coalesce(cardinality(pu_ids), 0) < size THEN
          -- Not locked: held by another transaction, or unknown (alone).
          SELECT array_agg(p.id) INTO known
            FROM purchases p WHERE p.id = ANY (p_ids);
        END IF;
        FOR k IN 1 .. size LOOP
          w := array_position(pu_ids, p_ids[k]);
          IF array_position(p_ids, p_ids[k]) < k THEN
            -- A purchase named twice is confirmed once, by its first.
            state[k] := 'alone';
          ELSIF w IS NULL THEN
            state[k] := CASE WHEN NOT p_wait AND p_ids[k] = ANY (known)
                             THEN 'skipped' ELSE 'alone' END;
          ELSIF pu_status[w] <> 'PENDING' THEN
            state[k] := 'alone';
          ELSE
            state[k] := 'hold';
            m_hold[k] := pu_holds[w];
          END IF;
        END LOOP;

        -- 2. Their holds, ascending: pending and not yet expired, or alone.
        IF p_wait THEN
          SELECT array_agg(h.id ORDER BY h.id), array_agg(h.wallet_id ORDER BY h.id),
                 array_agg(h.amount ORDER BY h.id), array_agg(h.reason ORDER BY h.id),
                 array_agg(h.meta ORDER BY h.id), array_agg(h.status ORDER BY h.id),
                 array_agg(h.expires_at ORDER BY h.id)
            INTO h_ids, h_wallets, h_amounts, h_reasons, h_metas, h_status, h_expires
            FROM (SELECT id, wallet_id, amount, reason, meta, status, expires_at FROM holds
                   WHERE id = ANY (m_hold) ORDER BY id FOR UPDATE) h;
        ELSE
          SELECT array_agg(h.id ORDER BY h.id), array_agg(h.wallet_id ORDER BY h.id),
                 array_agg(h.amount ORDER BY h.id), array_agg(h.reason ORDER BY h.id),
                 array_agg(h.meta ORDER BY h.id), array_agg(h.status ORDER BY h.id),
                 array_agg(h.expires_at ORDER BY h.id)
            INTO h_ids, h_wallets, h_amounts, h_reasons, h_metas, h_status, h_expires
            FROM (SELECT id, wallet_id, amount, reason, meta, status, expires_at FROM holds
                   WHERE id = ANY (m_hold) ORDER BY id FOR UPDATE SKIP LOCKED) h;
        END IF;
        FOR k IN 1 .. size LOOP
          CONTINUE WHEN state[k] <> 'hold';
          w := array_position(h_ids, m_hold[k]);
          IF w IS NULL THEN
            state[k] := CASE WHEN p_wait THEN 'alone' ELSE 'skipped' END;
          ELSIF h_status[w] <> 'PENDING' OR h_expires[w] <= clock_timestamp() THEN
            state[k] := 'alone';
          ELSE
            state[k] := 'wallet';
            m_wallet[k] := h_wallets[w];
            m_amount[k] := h_amounts[w];
            m_reason[k] := h_reasons[w];
            m_meta[k] := h_metas[w];
          END IF;
        END LOOP;

        -- 3. Their wallets, ascending.
        IF p_wait THEN
          SELECT array_agg(l.id ORDER BY l.id), array_agg(l.cached_balance ORDER BY l.id)
            INTO w_ids, w_balance
            FROM (SELECT id, cached_balance FROM wallets
                   WHERE id = ANY (m_wallet) ORDER BY id FOR NO KEY UPDATE) l;
        ELSE
          SELECT array_agg(l.id ORDER BY l.id), array_agg(l.cached_balance ORDER BY l.id)
            INTO w_ids, w_balance
            FROM (SELECT id, cached_balance FROM wallets
                   WHERE id = ANY (m_wallet) ORDER BY id FOR NO KEY UPDATE SKIP LOCKED) l;
        END IF;

        -- 4. The captures, in hold order, each balance_after chained on the
        -- one before it in its wallet.
        FOR k IN SELECT o.k FROM unnest(m_hold) WITH ORDINALITY AS o(hold, k)
                  ORDER BY o.hold LOOP
          CONTINUE WHEN state[k] <> 'wallet';
          w := array_position(w_ids, m_wallet[k]);
          IF w IS NULL THEN
            state[k] := 'skipped';
            CONTINUE;
          END IF;
          w_balance[w] := w_balance[w] - m_amount[k];
          state[k] := 'completed';
          leg_i := leg_i || k;
          leg_wallet := leg_wallet || m_wallet[k];
          leg_amount := leg_amount || m_amount[k];
          leg_balance := leg_balance || w_balance[w];
          leg_reason := leg_reason || m_reason[k];
          leg_meta := leg_meta || (m_meta[k] || jsonb_build_object('holdId', m_hold[k]));
          leg_hold := leg_hold || m_hold[k];
        END LOOP;

        IF cardinality(leg_i) > 0 THEN
          WITH inserted AS (
            INSERT INTO wallet_transactions (wallet_id, amount, balance_after, reason, meta)
            SELECT l.wallet_id, -l.amount, l.balance_after, l.reason, l.meta
              FROM unnest(leg_wallet, leg_amount, leg_balance, leg_reason, leg_meta)
                     WITH ORDINALITY AS l(wallet_id, amount, balance_after, reason, meta, n)
             ORDER BY l.n
            RETURNING id, (meta ->> 'holdId')::bigint AS hold_id
          )
          SELECT array_agg(inserted.id ORDER BY inserted.id),
                 array_agg(inserted.hold_id ORDER BY inserted.id)
            INTO written_ids, written_holds
            FROM inserted;
          -- Identity values are drawn in insertion order (each row's
          -- balance_after chains on the one before); rows whose holds do not
          -- follow their legs mean they were not, and nothing may be answered.
          IF written_holds IS DISTINCT FROM leg_hold THEN
            RAISE EXCEPTION 'ledger rows of a batch came back out of order';
          END IF;

          UPDATE wallets w
             SET cached_balance = w.cached_balance - t.amount,
                 held = w.held - t.amount,
                 updated_at = now()
            FROM (SELECT l.wallet_id, sum(l.amount) AS amount
                    FROM unnest(leg_wallet, leg_amount) AS l(wallet_id, amount)
                   GROUP BY l.wallet_id) t
           WHERE w.id = t.wallet_id;

          UPDATE holds h
             SET status = 'CAPTURED', captured_amount = l.amount,
                 transaction_id = l.transaction_id, closed_at = now()
            FROM unnest(leg_hold, leg_amount, written_ids) AS l(hold_id, amount, transaction_id)
           WHERE h.id = l.hold_id;
        END IF;

        RETURN QUERY
          WITH completed AS (
            UPDATE purchases p
               SET status = 'COMPLETED', transaction_id = l.transaction_id, updated_at = now()
              FROM unnest(leg_i, written_ids) AS l(k, transaction_id)
             WHERE p.id = p_ids[l.k]
            RETURNING p
          )
          SELECT s.k::integer - 1, s.state, c.p
            FROM unnest(state) WITH ORDINALITY AS s(state, k)
            LEFT JOIN completed c ON s.state = 'completed' AND (c.p).id = p_ids[s.k];
      END
      $$`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'DROP FUNCTION shop_confirm_batch(bigint[], boolean)',
    );
  }
}
