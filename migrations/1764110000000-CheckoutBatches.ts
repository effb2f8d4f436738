import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Checkouts in batches, one call and one commit each (the service's
 * ShopBatchCoalescer), as confirms are: shop_checkout_batch places every
 * order of the batch that may plainly go, and answers each its own
 * outcome: `placed` (its purchase, hold and lines), `skipped` (a first call
 * met a wallet or an item another transaction holds: the caller sends it
 * again in a call that waits) or `alone` (anything else: nothing of it was
 * written, and the caller's one-order checkout decides and says why).
 *
 * What may plainly go: every sku for sale and without a per-profile limit
 * (a limit is judged under the wallet's lock by the one-order path), a key
 * not used before, a total a wallet can hold, a wallet, enough stock and
 * enough available coins, counted across the batch's orders in their order.
 * Everything else (refusals, replays, limits) is the one-order path's, so
 * its answers stay as they were.
 *
 * Its steps take the locks of one checkout, in the same order, a kind at a
 * time and ascending within each: the orders' items read without locks,
 * then the wallets, then the counted items (NO KEY UPDATE, as one checkout
 * takes them). No path takes an item and then waits for a wallet. Keys
 * used before are read again once the wallets are locked, which orders the
 * uses of one key by one profile. One wait remains: a purchase's key
 * inserted by another transaction not yet committed (the same key sent for
 * two profiles at once, or from two instances), while this call holds its
 * items; a one-order checkout that inserted it and then waits for one of
 * those items closes a cycle, which PostgreSQL breaks after
 * deadlock_timeout, and the batch is sent again (the key's second use then
 * answers 409 or replays). Purchase ids are drawn once the wallets are
 * locked, so a profile's purchases are numbered in the order their wallet
 * let them in.
 *
 * An order writes what one checkout writes: the wallet's held total up by
 * the total, a hold (reason PURCHASE, meta `purchaseId`, the order's
 * expiry), the purchase, its lines (each recording whether its stock was
 * taken: the item was counted when read and still is once locked), and the
 * stock taken.
 */
export class CheckoutBatches1764110000000 implements MigrationInterface {
  name = 'CheckoutBatches1764110000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(CHECKOUT_BATCH_FUNCTION.skipped);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'DROP FUNCTION shop_checkout_batch(bigint[], integer[], text[], text[], text[], integer[], text[], integer[], boolean)',
    );
  }
}

/**
 * The function's text, by what it answers for an order a first call skipped
 * on an item: `skipped` here, `item_skipped` since
 * migrations/1764111000000-CheckoutSkipReasons.ts, which replaces it.
 * Strings, not a function: the migration loader takes every exported
 * function for a migration.
 */
export const CHECKOUT_BATCH_FUNCTION = {
  skipped: checkoutBatchFunction('skipped'),
  item_skipped: checkoutBatchFunction('item_skipped'),
};

function checkoutBatchFunction(itemSkip: 'skipped' | 'item_skipped'): string {
  return `
      CREATE OR REPLACE FUNCTION shop_checkout_batch(
        p_profiles bigint[], p_expires integer[], p_keys text[], p_client_keys text[],
        p_fingerprints text[], p_line_orders integer[], p_line_skus text[],
        p_line_quantities integer[], p_wait boolean)
      RETURNS TABLE (i integer, outcome text, purchase_id bigint, hold_id bigint,
                     total bigint, expires_at timestamptz, created_at timestamptz,
                     lines json)
      LANGUAGE plpgsql
      SET plan_cache_mode = force_generic_plan
      AS $$
      DECLARE
        size integer := cardinality(p_profiles);
        line_count integer := cardinality(p_line_skus);
        state text[] := array_fill('order'::text, ARRAY[cardinality(p_profiles)]);
        m_total numeric[] := array_fill(0::numeric, ARRAY[cardinality(p_profiles)]);
        m_slot integer[] := array_fill(NULL::integer, ARRAY[cardinality(p_profiles)]);
        m_wallet bigint[] := array_fill(NULL::bigint, ARRAY[cardinality(p_profiles)]);
        m_purchase bigint[] := array_fill(NULL::bigint, ARRAY[cardinality(p_profiles)]);
        m_hold bigint[] := array_fill(NULL::bigint, ARRAY[cardinality(p_profiles)]);
        m_expires timestamptz[] := array_fill(NULL::timestamptz, ARRAY[cardinality(p_profiles)]);
        l_item bigint[];
        l_price bigint[];
        l_counted boolean[];
        l_plain boolean[];
        l_taken boolean[] := array_fill(false, ARRAY[cardinality(p_line_skus)]);
        used_keys text[];
        wanted_profiles bigint[] := '{}';
        wanted_items bigint[] := '{}';
        w_ids bigint[];
        w_profiles bigint[];
        w_available bigint[];
        w_held bigint[];
        w_overdraft boolean[];
        it_ids bigint[];
        it_stock bigint[];
        placed integer[] := '{}';
        purchases_seq text := pg_get_serial_sequence('purchases', 'id');
        k integer;
        j integer;
        w integer;
        g integer;
        fits boolean;
      BEGIN
        IF size = 0 THEN
          RETURN;
        END IF;

        -- 1. What each order names, read without locks.
        SELECT array_agg(s.id ORDER BY l.n), array_agg(s.price ORDER BY l.n),
               array_agg(s.stock IS NOT NULL ORDER BY l.n),
               array_agg(coalesce(s.active AND s.per_profile_limit IS NULL, false) ORDER BY l.n)
          INTO l_item, l_price, l_counted, l_plain
          FROM unnest(p_line_skus) WITH ORDINALITY AS l(sku, n)
          LEFT JOIN shop_items s ON s.sku = l.sku;
        FOR j IN 1 .. line_count LOOP
          k := p_line_orders[j];
          IF l_plain[j] THEN
            m_total[k] := m_total[k] + l_price[j]::numeric * p_line_quantities[j];
          ELSE
            state[k] := 'alone';
          END IF;
        END LOOP;
        SELECT array_agg(p.idempotency_key) INTO used_keys
          FROM purchases p WHERE p.idempotency_key = ANY (p_keys);
        FOR k IN 1 .. size LOOP
          IF m_total[k] > 9007199254740991 OR p_keys[k] = ANY (used_keys)
             OR array_position(p_keys, p_keys[k]) < k THEN
            state[k] := 'alone';
          END IF;
          IF state[k] = 'order' THEN
            wanted_profiles := wanted_profiles || p_profiles[k];
          END IF;
        END LOOP;

        -- 2. The wallets, ascending. Not locked in a first call: skipped (a
        -- profile without a wallet too; the waiting call finds it: alone).
        IF p_wait THEN
          SELECT array_agg(x.id ORDER BY x.id), array_agg(x.profile_id ORDER BY x.id),
                 array_agg(x.cached_balance - x.held ORDER BY x.id),
                 array_agg(x.held ORDER BY x.id), array_agg(x.allow_overdraft ORDER BY x.id)
            INTO w_ids, w_profiles, w_available, w_held, w_overdraft
            FROM (SELECT id, profile_id, cached_balance, held, allow_overdraft FROM wallets
                   WHERE profile_id = ANY (wanted_profiles) ORDER BY id FOR NO KEY UPDATE) x;
        ELSE
          SELECT array_agg(x.id ORDER BY x.id), array_agg(x.profile_id ORDER BY x.id),
                 array_agg(x.cached_balance - x.held ORDER BY x.id),
                 array_agg(x.held ORDER BY x.id), array_agg(x.allow_overdraft ORDER BY x.id)
            INTO w_ids, w_profiles, w_available, w_held, w_overdraft
            FROM (SELECT id, profile_id, cached_balance, held, allow_overdraft FROM wallets
                   WHERE profile_id = ANY (wanted_profiles) ORDER BY id
                     FOR NO KEY UPDATE SKIP LOCKED) x;
        END IF;
        -- Keys again, now that the wallets are locked: a purchase of the
        -- same profile with the same key committed before its wallet let
        -- this call in (a retry on another instance, say).
        SELECT array_agg(p.idempotency_key) INTO used_keys
          FROM purchases p WHERE p.idempotency_key = ANY (p_keys);
        FOR k IN 1 .. size LOOP
          CONTINUE WHEN state[k] <> 'order';
          w := array_position(w_profiles, p_profiles[k]);
          IF w IS NULL THEN
            state[k] := CASE WHEN p_wait THEN 'alone' ELSE 'skipped' END;
          ELSIF p_keys[k] = ANY (used_keys) THEN
            state[k] := 'alone';
          ELSE
            m_slot[k] := w;
          END IF;
        END LOOP;
        FOR j IN 1 .. line_count LOOP
          IF state[p_line_orders[j]] = 'order' AND l_counted[j] THEN
            wanted_items := wanted_items || l_item[j];
          END IF;
        END LOOP;

        -- 3. The counted items, ascending.
        IF p_wait THEN
          SELECT array_agg(x.id ORDER BY x.id), array_agg(x.stock ORDER BY x.id)
            INTO it_ids, it_stock
            FROM (SELECT id, stock FROM shop_items
                   WHERE id = ANY (wanted_items) AND stock IS NOT NULL
                   ORDER BY id FOR NO KEY UPDATE) x;
        ELSE
          SELECT array_agg(x.id ORDER BY x.id), array_agg(x.stock ORDER BY x.id)
            INTO it_ids, it_stock
            FROM (SELECT id, stock FROM shop_items
                   WHERE id = ANY (wanted_items) AND stock IS NOT NULL
                   ORDER BY id FOR NO KEY UPDATE SKIP LOCKED) x;
        END IF;

        -- 4. The orders in their order: stock, then coins, each counted
        -- against what the orders before took.
        FOR k IN 1 .. size LOOP
          CONTINUE WHEN state[k] <> 'order';
          fits := true;
          FOR j IN 1 .. line_count LOOP
            CONTINUE WHEN p_line_orders[j] <> k OR NOT l_counted[j];
            g := array_position(it_ids, l_item[j]);
            IF g IS NULL THEN
              -- Held by another transaction, or no longer counted.
              state[k] := CASE WHEN p_wait THEN 'alone' ELSE '${itemSkip}' END;
              fits := false;
              EXIT;
            ELSIF it_stock[g] < p_line_quantities[j] THEN
              state[k] := 'alone';
              fits := false;
              EXIT;
            END IF;
          END LOOP;
          CONTINUE WHEN NOT fits;
          w := m_slot[k];
          IF (NOT w_overdraft[w] AND w_available[w] < m_total[k])
             OR w_held[w] + m_total[k] > 9007199254740991 THEN
            state[k] := 'alone';
            CONTINUE;
          END IF;
          w_available[w] := w_available[w] - m_total[k];
          w_held[w] := w_held[w] + m_total[k];
          FOR j IN 1 .. line_count LOOP
            CONTINUE WHEN p_line_orders[j] <> k OR NOT l_counted[j];
            g := array_position(it_ids, l_item[j]);
            it_stock[g] := it_stock[g] - p_line_quantities[j];
            l_taken[j] := true;
          END LOOP;
          state[k] := 'placed';
          placed := placed || k;
          m_purchase[k] := nextval(purchases_seq);
          m_wallet[k] := w_ids[w];
        END LOOP;

        -- 5. The writes.
        IF cardinality(placed) > 0 THEN
          UPDATE wallets x
             SET held = x.held + t.total, updated_at = now()
            FROM (SELECT m_wallet[o.k] AS wallet_id, sum(m_total[o.k]) AS total
                    FROM unnest(placed) AS o(k) GROUP BY 1) t
           WHERE x.id = t.wallet_id;

          WITH inserted AS (
            INSERT INTO holds (wallet_id, amount, reason, expires_at, meta)
            SELECT m_wallet[o.k], m_total[o.k], 'PURCHASE',
                   now() + make_interval(secs => p_expires[o.k]),
                   jsonb_build_object('purchaseId', m_purchase[o.k])
              FROM unnest(placed) AS o(k)
            RETURNING id, holds.expires_at, (meta ->> 'purchaseId')::bigint AS purchase_id
          )
          -- By member, matched on the purchase id each hold carries.
          SELECT array_agg(inserted.id ORDER BY s.k),
                 array_agg(inserted.expires_at ORDER BY s.k)
            INTO m_hold, m_expires
            FROM generate_subscripts(state, 1) AS s(k)
            LEFT JOIN inserted ON inserted.purchase_id = m_purchase[s.k];

          INSERT INTO purchases
            (id, profile_id, total, hold_id, expires_at, idempotency_key,
             client_idempotency_key, request_fingerprint)
          OVERRIDING SYSTEM VALUE
          SELECT m_purchase[o.k], p_profiles[o.k], m_total[o.k], m_hold[o.k], m_expires[o.k],
                 p_keys[o.k], p_client_keys[o.k], p_fingerprints[o.k]
            FROM unnest(placed) AS o(k);

          UPDATE shop_items x
             SET stock = x.stock - t.quantity, updated_at = now()
            FROM (SELECT l_item[j2] AS item_id, sum(p_line_quantities[j2]) AS quantity
                    FROM generate_series(1, line_count) AS j2
                   WHERE l_taken[j2] GROUP BY 1) t
           WHERE x.id = t.item_id;

          INSERT INTO purchase_lines (purchase_id, item_id, quantity, unit_price, stock_taken)
          SELECT m_purchase[p_line_orders[j2]], l_item[j2], p_line_quantities[j2], l_price[j2],
                 l_taken[j2]
            FROM generate_series(1, line_count) AS j2
           WHERE state[p_line_orders[j2]] = 'placed';
        END IF;

        RETURN QUERY
          SELECT s.k::integer - 1, s.state, m_purchase[s.k], m_hold[s.k],
                 CASE WHEN s.state = 'placed' THEN m_total[s.k]::bigint END,
                 m_expires[s.k], CASE WHEN s.state = 'placed' THEN now() END,
                 CASE WHEN s.state = 'placed' THEN
                   (SELECT json_agg(json_build_object('sku', p_line_skus[j2],
                                                      'quantity', p_line_quantities[j2],
                                                      'unitPrice', l_price[j2])
                                    ORDER BY l_item[j2])
                      FROM generate_series(1, line_count) AS j2
                     WHERE p_line_orders[j2] = s.k)
                 END
            FROM unnest(state) WITH ORDINALITY AS s(state, k);
      END
      $$`;
}
