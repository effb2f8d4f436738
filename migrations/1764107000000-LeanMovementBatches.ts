import type { MigrationInterface, QueryRunner } from 'typeorm';
import { MOVE_BATCH_FUNCTION } from './1764103000000-MovementBatches';

/**
 * economy_move_batch again, the same outcomes for the same batches at less
 * cost per call (docs/decisions.md, "Coalesced movements"):
 * - Generic plans (plan_cache_mode): its statements take arrays, and the
 *   plan cache kept choosing custom plans for them, planning every
 *   statement of every call again; that was a third of a one-movement
 *   call's time.
 * - A batch without keys runs no key statements, one without legs no writes;
 *   the profiles' wallets are found in one statement.
 * - The answers are one set-returning query over the written rows, instead
 *   of a JSON object rebuilt for each leg.
 * The locking argument is unchanged (see the first migration).
 */
export class LeanMovementBatches1764107000000 implements MigrationInterface {
  name = 'LeanMovementBatches1764107000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION economy_move_batch(p_movements jsonb, p_wait boolean)
      RETURNS TABLE (i integer, outcome text, legs jsonb)
      LANGUAGE plpgsql
      SET plan_cache_mode = force_generic_plan
      AS $$
      #variable_conflict use_column
      DECLARE
        max_safe CONSTANT bigint := 9007199254740991;
        size CONSTANT integer := jsonb_array_length(p_movements);
        m jsonb;
        k integer;
        move_amount bigint;
        known_profiles bigint[];
        known_wallets bigint[];
        from_wallet bigint[] := array_fill(NULL::bigint, ARRAY[size]);
        to_wallet bigint[] := array_fill(NULL::bigint, ARRAY[size]);
        state text[] := array_fill('live'::text, ARRAY[size]);
        claim_keys text[] := '{}';
        claim_operations text[] := '{}';
        claim_requests jsonb[] := '{}';
        claimed text[];
        w_ids bigint[];
        w_balance bigint[];
        w_held bigint[];
        w_overdraft boolean[];
        w_changed boolean[];
        f integer;
        t integer;
        w integer;
        side integer;
        refusal text;
        excluded jsonb := '[]';
        leg_i integer[] := '{}';
        leg_wallet bigint[] := '{}';
        leg_amount bigint[] := '{}';
        leg_balance bigint[] := '{}';
        leg_reason text[] := '{}';
        leg_key text[] := '{}';
        leg_sent text[] := '{}';
        leg_meta jsonb[] := '{}';
        leg_transfer bigint[] := '{}';
        transfer_id bigint;
        written_ids bigint[];
        written_wallets bigint[];
        written_amounts bigint[];
      BEGIN
        SELECT array_agg(w.profile_id), array_agg(w.id)
          INTO known_profiles, known_wallets
          FROM wallets w
         WHERE w.profile_id = ANY (ARRAY(
                 SELECT (e ->> 'from_profile')::bigint FROM jsonb_array_elements(p_movements) e
                 UNION
                 SELECT (e ->> 'to_profile')::bigint FROM jsonb_array_elements(p_movements) e));
        known_profiles := coalesce(known_profiles, '{}');

        FOR k IN 1 .. size LOOP
          m := p_movements -> (k - 1);
          from_wallet[k] := known_wallets[array_position(known_profiles, (m ->> 'from_profile')::bigint)];
          to_wallet[k] := known_wallets[array_position(known_profiles, (m ->> 'to_profile')::bigint)];
          IF (m ->> 'from_profile' IS NOT NULL AND from_wallet[k] IS NULL)
             OR (m ->> 'to_profile' IS NOT NULL AND to_wallet[k] IS NULL) THEN
            state[k] := 'no-wallet';
          ELSIF m ->> 'key' IS NOT NULL THEN
            claim_keys := claim_keys || (m ->> 'key');
            claim_operations := claim_operations || (m ->> 'operation');
            claim_requests := claim_requests || (m -> 'request');
          END IF;
        END LOOP;

        IF cardinality(claim_keys) > 0 THEN
          -- One movement per key: a key twice in one batch would claim once
          -- and write twice.
          IF cardinality(claim_keys) > 1 THEN
            IF cardinality(claim_keys)
                 <> (SELECT count(DISTINCT c) FROM unnest(claim_keys) AS c) THEN
              RAISE EXCEPTION 'a key appears twice in one batch'
                USING ERRCODE = 'unique_violation';
            END IF;
          END IF;

          WITH claim AS (
            INSERT INTO idempotency_keys (key, operation, request)
            SELECT c.key, c.operation, c.request
              FROM unnest(claim_keys, claim_operations, claim_requests) AS c(key, operation, request)
             ORDER BY c.key COLLATE "C"
            ON CONFLICT (key) DO NOTHING
            RETURNING key
          )
          SELECT coalesce(array_agg(claim.key), '{}') INTO claimed FROM claim;

          FOR k IN 1 .. size LOOP
            IF state[k] = 'live' AND p_movements -> (k - 1) ->> 'key' IS NOT NULL
               AND NOT (p_movements -> (k - 1) ->> 'key') = ANY (claimed) THEN
              state[k] := 'key-held';
            END IF;
          END LOOP;
        END IF;

        IF p_wait THEN
          SELECT array_agg(l.id), array_agg(l.cached_balance), array_agg(l.held),
                 array_agg(l.allow_overdraft)
            INTO w_ids, w_balance, w_held, w_overdraft
            FROM (SELECT w.id, w.cached_balance, w.held, w.allow_overdraft FROM wallets w
                   WHERE w.id = ANY (from_wallet || to_wallet)
                   ORDER BY w.id FOR NO KEY UPDATE) l;
        ELSE
          SELECT array_agg(l.id), array_agg(l.cached_balance), array_agg(l.held),
                 array_agg(l.allow_overdraft)
            INTO w_ids, w_balance, w_held, w_overdraft
            FROM (SELECT w.id, w.cached_balance, w.held, w.allow_overdraft FROM wallets w
                   WHERE w.id = ANY (from_wallet || to_wallet)
                   ORDER BY w.id FOR NO KEY UPDATE SKIP LOCKED) l;
        END IF;
        w_ids := coalesce(w_ids, '{}');
        w_changed := array_fill(false, ARRAY[cardinality(w_ids)]);

        FOR k IN 1 .. size LOOP
          CONTINUE WHEN state[k] <> 'live';
          m := p_movements -> (k - 1);
          move_amount := (m ->> 'amount')::bigint;
          f := array_position(w_ids, from_wallet[k]);
          t := array_position(w_ids, to_wallet[k]);
          refusal := NULL;
          IF (from_wallet[k] IS NOT NULL AND f IS NULL)
             OR (to_wallet[k] IS NOT NULL AND t IS NULL) THEN
            refusal := 'skipped';
          ELSIF f IS NOT NULL AND NOT w_overdraft[f]
                AND w_balance[f] - move_amount - w_held[f] < 0 THEN
            refusal := 'wallets_overdraft_check';
          ELSIF (f IS NOT NULL AND w_balance[f] - move_amount < -max_safe)
                OR (t IS NOT NULL AND w_balance[t] + move_amount > max_safe) THEN
            refusal := 'wallets_balance_safe_integer_check';
          END IF;
          IF refusal IS NOT NULL THEN
            IF m ->> 'key' IS NOT NULL THEN
              excluded := excluded || jsonb_build_object('i', k - 1, 'outcome', refusal);
            END IF;
            state[k] := refusal;
            CONTINUE;
          END IF;
          state[k] := 'written';
          transfer_id := CASE WHEN f IS NOT NULL AND t IS NOT NULL
                              THEN nextval('wallet_transfer_id_seq') END;
          -- The debit leg first, then the credit leg, as a transfer's legs go.
          FOREACH side IN ARRAY ARRAY[-1, 1] LOOP
            w := CASE side WHEN -1 THEN f ELSE t END;
            CONTINUE WHEN w IS NULL;
            w_balance[w] := w_balance[w] + side * move_amount;
            w_changed[w] := true;
            leg_i := leg_i || (k - 1);
            leg_wallet := leg_wallet || w_ids[w];
            leg_amount := leg_amount || side * move_amount;
            leg_balance := leg_balance || w_balance[w];
            leg_reason := leg_reason || CASE
              WHEN transfer_id IS NULL THEN m ->> 'reason'
              WHEN side = -1 THEN 'TRANSFER_OUT' ELSE 'TRANSFER_IN' END;
            leg_key := leg_key || (m ->> 'key');
            leg_sent := leg_sent || (m ->> 'sent_key');
            leg_meta := leg_meta || (m -> 'meta');
            leg_transfer := leg_transfer || transfer_id;
          END LOOP;
        END LOOP;

        IF jsonb_array_length(excluded) > 0 THEN
          RAISE EXCEPTION 'a keyed movement of the batch was left out'
            USING ERRCODE = 'DC001', DETAIL = excluded::text;
        END IF;

        IF cardinality(leg_i) > 0 THEN
          UPDATE wallets w
             SET cached_balance = u.balance, updated_at = now()
            FROM unnest(w_ids, w_balance, w_changed) AS u(id, balance, changed)
           WHERE w.id = u.id AND u.changed;

          WITH inserted AS (
            INSERT INTO wallet_transactions
              (wallet_id, amount, balance_after, reason, idempotency_key,
               client_idempotency_key, meta, transfer_id)
            SELECT l.wallet_id, l.amount, l.balance_after, l.reason, l.key,
                   l.sent, l.meta, l.transfer
              FROM unnest(leg_wallet, leg_amount, leg_balance, leg_reason, leg_key,
                          leg_sent, leg_meta, leg_transfer)
                     WITH ORDINALITY AS l(wallet_id, amount, balance_after, reason,
                                          key, sent, meta, transfer, n)
             ORDER BY l.n
            RETURNING id, wallet_id, amount
          )
          SELECT array_agg(inserted.id ORDER BY inserted.id),
                 array_agg(inserted.wallet_id ORDER BY inserted.id),
                 array_agg(inserted.amount ORDER BY inserted.id)
            INTO written_ids, written_wallets, written_amounts
            FROM inserted;
          -- Identity values are drawn in insertion order; rows that do not
          -- match their legs mean they were not, and nothing may be answered.
          IF written_wallets IS DISTINCT FROM leg_wallet
             OR written_amounts IS DISTINCT FROM leg_amount THEN
            RAISE EXCEPTION 'ledger rows of a batch came back out of order';
          END IF;
        END IF;

        RETURN QUERY
          SELECT s.k::integer - 1, s.state, l.legs
            FROM unnest(state) WITH ORDINALITY AS s(state, k)
            LEFT JOIN (
              SELECT g.i, jsonb_agg(jsonb_build_object(
                       'id', g.id::text, 'wallet_id', g.wallet_id::text,
                       'amount', g.amount::text, 'balance_after', g.balance_after::text)
                       ORDER BY g.n) AS legs
                FROM unnest(leg_i, written_ids, leg_wallet, leg_amount, leg_balance)
                       WITH ORDINALITY AS g(i, id, wallet_id, amount, balance_after, n)
               GROUP BY g.i
            ) l ON l.i = s.k - 1;
      END
      $$`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP FUNCTION economy_move_batch(jsonb, boolean)');
    await queryRunner.query(MOVE_BATCH_FUNCTION);
  }
}
