import type { MigrationInterface, QueryRunner } from 'typeorm';
import { REDEMPTION_INCOMPLETE_FUNCTION } from './1764104000000-Promo';

/**
 * Redemptions in batches, one call and one commit each (the service's
 * RedemptionCoalescer), as movements are: promo_redeem_batch judges every
 * redemption of the batch, writes the ones that may go, and answers each its
 * own outcome, a refusal failing no neighbour.
 *
 * Its steps, and the locking argument. Each step takes one kind of lock, in
 * this order, and within a step in ascending order:
 * 1. What each redemption names, read without locks: its code's campaign
 *    (unknown, or outside its window: `invalid`), the profile's guessing
 *    limit (past it: `invalid`, as before) and its wallet. Without one it
 *    is `no-wallet` (the caller makes it and sends the redemption again),
 *    unless the code grants nothing anyway (no slot with room, a single-use
 *    code spent: `invalid`) or the caller's key was used (`key-held`), as
 *    the one statement before answered, making no wallet.
 * 2. The wallets, ascending; a first call skips wallets other transactions
 *    hold (`skipped`: the caller sends those again in a call that waits).
 *    A credit that would take a balance past the safe integers is refused
 *    here, before anything is written.
 * 3. Every campaign's count slots, campaigns ascending, a slot at a time in
 *    ascending order, as many as the batch needs; a first call skips slots
 *    other transactions hold. What the slots hold is the batch's capacity.
 * 4. The claims, campaign by campaign, in digest and profile order, ON
 *    CONFLICT DO NOTHING: a claim that conflicts with another transaction's
 *    waits for its end. A claim not made is `key-held` (the caller's key was
 *    used: it replays), `already-redeemed` (this profile and campaign) or
 *    `invalid` (a single-use code spent). Capacity a conflict left unused
 *    goes to the next redemptions; those past the capacity are `invalid`
 *    (the campaign is exhausted) when no other slot has room, else
 *    `skipped-slot` (sent again in a call that waits, apart from the ones
 *    skipped on a wallet, so that a locked wallet holds back only its own).
 * 5. The credits, keyed promo:<campaign>:<profile> as before; the slots'
 *    counts.
 * A transaction waits only for locks of its current step, holding locks of
 * earlier steps only, so two batches cannot wait on each other through
 * wallets or slots, nor on movement batches (keys, then wallets ascending).
 * Claims of two batches can still cross: claims go in digest order, and
 * a claim also waits on the unique (campaign, profile) and on the caller's
 * key. One instance keeps a profile's and a key's redemptions in one
 * running batch, so this takes two instances redeeming for the same
 * profiles (or keys) at once, in crossed order; PostgreSQL detects it
 * (after deadlock_timeout), and the transient retry sends the batch again.
 *
 * The one-redemption statement's helper, promo_redemption_incomplete, goes.
 */
export class RedemptionBatches1764108000000 implements MigrationInterface {
  name = 'RedemptionBatches1764108000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE FUNCTION promo_redeem_batch(
        p_digests bytea[], p_profiles bigint[], p_keys text[], p_fingerprints text[],
        p_wait boolean, p_window_seconds integer, p_allowed integer)
      RETURNS TABLE (i integer, outcome text, campaign_id bigint, coins bigint,
                     transaction_id bigint, balance_after bigint)
      LANGUAGE plpgsql
      SET plan_cache_mode = force_generic_plan
      AS $$
      #variable_conflict use_column
      DECLARE
        max_safe CONSTANT bigint := 9007199254740991;
        size CONSTANT integer := cardinality(p_profiles);
        state text[];
        m_campaign bigint[];
        m_coins bigint[];
        m_wallet bigint[];
        m_single boolean[];
        live_wallets bigint[] := '{}';
        w_ids bigint[];
        w_balance bigint[];
        w_after bigint[];
        w_changed boolean[];
        w integer;
        k integer;
        j integer;
        campaign bigint;
        campaigns bigint[];
        capacities bigint[] := '{}';
        candidates integer[];
        taking integer[];
        need bigint;
        capacity bigint;
        last_slot smallint;
        held_campaign bigint[] := '{}';
        held_slot smallint[] := '{}';
        held_room bigint[] := '{}';
        slot_row record;
        claimed_profiles bigint[];
        claimed_digests bytea[];
        claimed_keys text[];
        made integer;
        counted bigint;
        took bigint;
        leg_i integer[] := '{}';
        leg_wallet bigint[] := '{}';
        leg_amount bigint[] := '{}';
        leg_balance bigint[] := '{}';
        leg_key text[] := '{}';
        leg_campaign bigint[] := '{}';
        leg_profile bigint[] := '{}';
        written_ids bigint[];
        written_keys text[];
      BEGIN
        SELECT array_agg(CASE
                 WHEN c.id IS NULL OR lim.limited THEN 'invalid'
                 WHEN w.id IS NOT NULL THEN 'live'
                 WHEN p_keys[u.n] IS NOT NULL AND EXISTS (
                        SELECT 1 FROM promo_redemptions r
                         WHERE r.idempotency_key = p_keys[u.n]) THEN 'key-held'
                 WHEN NOT EXISTS (SELECT 1 FROM promo_campaign_slots s
                                   WHERE s.campaign_id = c.id
                                     AND (s.quota IS NULL OR s.redeemed < s.quota))
                   OR (pc.single_use AND EXISTS (
                         SELECT 1 FROM promo_redemptions r
                          WHERE r.code_digest = u.digest AND r.single_use))
                   THEN 'invalid'
                 ELSE 'no-wallet' END ORDER BY u.n),
               array_agg(c.id ORDER BY u.n), array_agg(c.coins ORDER BY u.n),
               array_agg(w.id ORDER BY u.n), array_agg(pc.single_use ORDER BY u.n)
          INTO state, m_campaign, m_coins, m_wallet, m_single
          FROM unnest(p_digests, p_profiles) WITH ORDINALITY AS u(digest, profile, n)
          LEFT JOIN promo_codes pc ON pc.digest = u.digest
          LEFT JOIN promo_campaigns c ON c.id = pc.campaign_id
                AND (c.starts_at IS NULL OR c.starts_at <= now())
                AND (c.ends_at IS NULL OR c.ends_at > now())
          LEFT JOIN wallets w ON w.profile_id = u.profile
          CROSS JOIN LATERAL (
            SELECT count(*) >= p_allowed AS limited
              FROM (SELECT 1 FROM promo_refusals r
                     WHERE r.profile_id = u.profile
                       AND r.refused_at > now() - p_window_seconds * interval '1 second'
                     LIMIT p_allowed) recent) lim;

        FOR k IN 1 .. size LOOP
          IF state[k] = 'live' THEN
            live_wallets := live_wallets || m_wallet[k];
          END IF;
        END LOOP;
        IF p_wait THEN
          SELECT array_agg(l.id), array_agg(l.cached_balance) INTO w_ids, w_balance
            FROM (SELECT w.id, w.cached_balance FROM wallets w
                   WHERE w.id = ANY (live_wallets)
                   ORDER BY w.id FOR NO KEY UPDATE) l;
        ELSE
          SELECT array_agg(l.id), array_agg(l.cached_balance) INTO w_ids, w_balance
            FROM (SELECT w.id, w.cached_balance FROM wallets w
                   WHERE w.id = ANY (live_wallets)
                   ORDER BY w.id FOR NO KEY UPDATE SKIP LOCKED) l;
        END IF;
        w_ids := coalesce(w_ids, '{}');
        w_after := w_balance;
        w_changed := array_fill(false, ARRAY[cardinality(w_ids)]);
        FOR k IN 1 .. size LOOP
          CONTINUE WHEN state[k] <> 'live';
          w := array_position(w_ids, m_wallet[k]);
          IF w IS NULL THEN
            state[k] := 'skipped';
          ELSIF w_after[w] + m_coins[k] > max_safe THEN
            state[k] := 'wallets_balance_safe_integer_check';
          ELSE
            w_after[w] := w_after[w] + m_coins[k];
          END IF;
        END LOOP;

        campaigns := ARRAY(SELECT DISTINCT x.c FROM unnest(m_campaign, state) AS x(c, s)
                            WHERE x.s = 'live' ORDER BY x.c);
        FOREACH campaign IN ARRAY campaigns LOOP
          need := (SELECT count(*) FROM unnest(m_campaign, state) AS x(c, s)
                    WHERE x.s = 'live' AND x.c = campaign);
          capacity := 0;
          last_slot := -1;
          LOOP
            IF p_wait THEN
              SELECT s.slot, s.quota - s.redeemed AS room INTO slot_row
                FROM promo_campaign_slots s
               WHERE s.campaign_id = campaign AND s.slot > last_slot
                 AND (s.quota IS NULL OR s.redeemed < s.quota)
               ORDER BY s.slot LIMIT 1 FOR UPDATE;
            ELSE
              SELECT s.slot, s.quota - s.redeemed AS room INTO slot_row
                FROM promo_campaign_slots s
               WHERE s.campaign_id = campaign AND s.slot > last_slot
                 AND (s.quota IS NULL OR s.redeemed < s.quota)
               ORDER BY s.slot LIMIT 1 FOR UPDATE SKIP LOCKED;
            END IF;
            EXIT WHEN NOT FOUND;
            last_slot := slot_row.slot;
            held_campaign := held_campaign || campaign;
            held_slot := held_slot || slot_row.slot;
            held_room := held_room || slot_row.room;
            -- A slot without a quota: the campaign has no limit.
            capacity := capacity + coalesce(slot_row.room, need);
            EXIT WHEN capacity >= need;
          END LOOP;
          capacities := capacities || capacity;
        END LOOP;

        FOR j IN 1 .. cardinality(campaigns) LOOP
          campaign := campaigns[j];
          capacity := capacities[j];
          candidates := ARRAY(SELECT g FROM generate_subscripts(state, 1) AS g
                               WHERE state[g] = 'live' AND m_campaign[g] = campaign
                               ORDER BY p_digests[g], p_profiles[g], g);
          counted := 0;
          WHILE capacity > 0 AND cardinality(candidates) > 0 LOOP
            taking := candidates[1 : least(capacity, cardinality(candidates))::integer];
            candidates := candidates[cardinality(taking) + 1 :];
            WITH claim AS (
              INSERT INTO promo_redemptions
                (campaign_id, profile_id, code_digest, single_use, coins,
                 idempotency_key, request_fingerprint)
              SELECT campaign, p_profiles[t.k], p_digests[t.k], m_single[t.k], m_coins[t.k],
                     p_keys[t.k], p_fingerprints[t.k]
                FROM unnest(taking) WITH ORDINALITY AS t(k, n)
               ORDER BY t.n
              ON CONFLICT DO NOTHING
              RETURNING profile_id, code_digest, idempotency_key
            )
            SELECT coalesce(array_agg(claim.profile_id), '{}'),
                   coalesce(array_agg(claim.code_digest), '{}'),
                   array_agg(claim.idempotency_key)
              INTO claimed_profiles, claimed_digests, claimed_keys
              FROM claim;
            made := cardinality(claimed_profiles);
            capacity := capacity - made;
            counted := counted + made;
            FOREACH k IN ARRAY taking LOOP
              w := NULL;
              FOR g IN 1 .. cardinality(claimed_profiles) LOOP
                IF claimed_profiles[g] = p_profiles[k] AND claimed_digests[g] = p_digests[k]
                   AND claimed_keys[g] IS NOT DISTINCT FROM p_keys[k] THEN
                  w := g;
                  EXIT;
                END IF;
              END LOOP;
              IF w IS NOT NULL THEN
                -- Found once: an identical redemption later in the batch is
                -- the conflict it made.
                claimed_profiles[w] := NULL;
                state[k] := 'redeemed';
              ELSIF p_keys[k] IS NOT NULL AND EXISTS (
                      SELECT 1 FROM promo_redemptions r WHERE r.idempotency_key = p_keys[k]) THEN
                state[k] := 'key-held';
              ELSIF EXISTS (
                      SELECT 1 FROM promo_redemptions r
                       WHERE r.campaign_id = campaign AND r.profile_id = p_profiles[k]) THEN
                state[k] := 'already-redeemed';
              ELSE
                state[k] := 'invalid';
              END IF;
            END LOOP;
          END LOOP;

          IF cardinality(candidates) > 0 THEN
            -- Past the capacity: exhausted, unless a slot someone else
            -- holds has room.
            IF NOT p_wait AND EXISTS (
                 SELECT 1 FROM promo_campaign_slots s
                  WHERE s.campaign_id = campaign
                    AND (s.quota IS NULL OR s.redeemed < s.quota)
                    AND NOT EXISTS (
                          SELECT 1 FROM unnest(held_campaign, held_slot) AS h(c, slot)
                           WHERE h.c = campaign AND h.slot = s.slot)) THEN
              FOREACH k IN ARRAY candidates LOOP
                state[k] := 'skipped-slot';
              END LOOP;
            ELSE
              FOREACH k IN ARRAY candidates LOOP
                state[k] := 'invalid';
              END LOOP;
            END IF;
          END IF;

          FOR g IN 1 .. cardinality(held_slot) LOOP
            EXIT WHEN counted = 0;
            CONTINUE WHEN held_campaign[g] <> campaign;
            took := least(coalesce(held_room[g], counted), counted);
            UPDATE promo_campaign_slots s SET redeemed = s.redeemed + took
             WHERE s.campaign_id = campaign AND s.slot = held_slot[g];
            counted := counted - took;
          END LOOP;
        END LOOP;

        FOR k IN 1 .. size LOOP
          CONTINUE WHEN state[k] <> 'redeemed';
          w := array_position(w_ids, m_wallet[k]);
          w_balance[w] := w_balance[w] + m_coins[k];
          w_changed[w] := true;
          leg_i := leg_i || k;
          leg_wallet := leg_wallet || w_ids[w];
          leg_amount := leg_amount || m_coins[k];
          leg_balance := leg_balance || w_balance[w];
          leg_key := leg_key || ('promo:' || m_campaign[k] || ':' || p_profiles[k]);
          leg_campaign := leg_campaign || m_campaign[k];
          leg_profile := leg_profile || p_profiles[k];
        END LOOP;

        IF cardinality(leg_i) > 0 THEN
          INSERT INTO idempotency_keys (key, operation, request)
          SELECT l.key, 'CREDIT',
                 jsonb_build_object('profileId', l.profile, 'amount', l.amount, 'reason', 'PROMO')
            FROM unnest(leg_key, leg_profile, leg_amount) AS l(key, profile, amount)
           ORDER BY l.key COLLATE "C";

          UPDATE wallets w
             SET cached_balance = u.balance, updated_at = now()
            FROM unnest(w_ids, w_balance, w_changed) AS u(id, balance, changed)
           WHERE w.id = u.id AND u.changed;

          WITH inserted AS (
            INSERT INTO wallet_transactions
              (wallet_id, amount, balance_after, reason, idempotency_key, meta)
            SELECT l.wallet_id, l.amount, l.balance_after, 'PROMO', l.key,
                   jsonb_build_object('campaignId', l.campaign)
              FROM unnest(leg_wallet, leg_amount, leg_balance, leg_key, leg_campaign)
                     WITH ORDINALITY AS l(wallet_id, amount, balance_after, key, campaign, n)
             ORDER BY l.n
            RETURNING id, idempotency_key
          )
          SELECT array_agg(inserted.id ORDER BY inserted.id),
                 array_agg(inserted.idempotency_key ORDER BY inserted.id)
            INTO written_ids, written_keys
            FROM inserted;
          -- Identity values are drawn in insertion order (each row's
          -- balance_after chains on the one before); rows whose keys do not
          -- follow their legs mean they were not, and nothing may be answered.
          IF written_keys IS DISTINCT FROM leg_key THEN
            RAISE EXCEPTION 'ledger rows of a batch came back out of order';
          END IF;
        END IF;

        RETURN QUERY
          SELECT s.k::integer - 1, s.state, m_campaign[s.k], m_coins[s.k], l.id, l.balance
            FROM unnest(state) WITH ORDINALITY AS s(state, k)
            LEFT JOIN unnest(leg_i, written_ids, leg_balance) AS l(k, id, balance)
                   ON l.k = s.k;
      END
      $$`);
    await queryRunner.query('DROP FUNCTION promo_redemption_incomplete(text)');
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(REDEMPTION_INCOMPLETE_FUNCTION);
    await queryRunner.query(
      'DROP FUNCTION promo_redeem_batch(bytea[], bigint[], text[], text[], boolean, integer, integer)',
    );
  }
}
