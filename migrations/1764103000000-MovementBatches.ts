import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The function as this migration created it (a later migration's `down`
 * restores it).
 */
export const MOVE_BATCH_FUNCTION = `
      CREATE FUNCTION economy_move_batch(p_movements jsonb, p_wait boolean)
      RETURNS TABLE (i integer, outcome text, legs jsonb)
      LANGUAGE plpgsql AS $$
      #variable_conflict use_column
      DECLARE
        max_safe CONSTANT bigint := 9007199254740991;
        size CONSTANT integer := jsonb_array_length(p_movements);
        m jsonb;
        k integer;
        move_amount bigint;
        profile_ids bigint[];
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
        answers jsonb := '{}';
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
        written record;
        n integer := 0;
      BEGIN
        profile_ids := ARRAY(
          SELECT (e ->> 'from_profile')::bigint FROM jsonb_array_elements(p_movements) e
          UNION
          SELECT (e ->> 'to_profile')::bigint FROM jsonb_array_elements(p_movements) e);
        SELECT array_agg(w.profile_id), array_agg(w.id)
          INTO known_profiles, known_wallets
          FROM wallets w
         WHERE w.profile_id = ANY (profile_ids);
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

        -- One movement per key: a key twice in one batch would claim once
        -- and write twice.
        IF cardinality(claim_keys) <> (SELECT count(DISTINCT c) FROM unnest(claim_keys) AS c) THEN
          RAISE EXCEPTION 'a key appears twice in one batch'
            USING ERRCODE = 'unique_violation';
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
          m := p_movements -> (k - 1);
          IF state[k] <> 'live' THEN
            answers := answers || jsonb_build_object((k - 1)::text,
              jsonb_build_object('outcome', state[k]));
            CONTINUE;
          END IF;
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
            ELSE
              answers := answers || jsonb_build_object((k - 1)::text,
                jsonb_build_object('outcome', refusal));
            END IF;
            CONTINUE;
          END IF;
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

        UPDATE wallets w
           SET cached_balance = u.balance, updated_at = now()
          FROM unnest(w_ids, w_balance, w_changed) AS u(id, balance, changed)
         WHERE w.id = u.id AND u.changed;

        FOR written IN
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
            RETURNING id, wallet_id, amount, balance_after
          )
          SELECT * FROM inserted ORDER BY inserted.id
        LOOP
          n := n + 1;
          -- Identity values are drawn in insertion order; a row that does not
          -- match its leg means they were not, and nothing may be answered.
          IF written.wallet_id <> leg_wallet[n] OR written.amount <> leg_amount[n] THEN
            RAISE EXCEPTION 'ledger rows of a batch came back out of order';
          END IF;
          answers := answers || jsonb_build_object(leg_i[n]::text,
            jsonb_build_object('outcome', 'written', 'legs',
              coalesce(answers -> (leg_i[n]::text) -> 'legs', '[]')
                || jsonb_build_object('id', written.id::text,
                     'wallet_id', written.wallet_id::text,
                     'amount', written.amount::text,
                     'balance_after', written.balance_after::text)));
        END LOOP;

        RETURN QUERY
          SELECT a.key::integer, a.value ->> 'outcome', a.value -> 'legs'
            FROM jsonb_each(answers) AS a;
      END
      $$`;

/**
 * Movements written in batches, one call and one commit for many (the
 * economy's MovementCoalescer): `economy_move_batch(movements, wait)` takes a
 * JSON array of credits, debits and transfers and answers each one's
 * outcome. The locking argument is the single statements' (see
 * movement.statements.ts), for the whole batch at once:
 * 1. Every key of the batch is claimed first, in byte order, before any
 *    wallet lock. A key another transaction holds is left to it (ON CONFLICT
 *    waits for that transaction, then does nothing): `key-held`, a replay
 *    for the caller to read once it committed.
 * 2. The batch's wallets are then locked in one pass, ascending id, FOR NO
 *    KEY UPDATE; with `wait` false a wallet another transaction holds is
 *    skipped, and the movements on it answer `skipped` (the caller retries
 *    them waiting): a batch never waits on a stranger's lock with its
 *    neighbours inside.
 * 3. Movements apply in array order against the locked balances: one that
 *    would overdraw (`available` = balance - held) or leave a balance past a
 *    safe integer is refused alone. A refused or skipped movement whose key
 *    was claimed cannot keep its key (the keys are permanent), so the call
 *    then fails with SQLSTATE DC001 and their outcomes in DETAIL, nothing
 *    written: the caller answers them and sends the rest again.
 * 4. Each changed wallet is updated once, and the ledger rows inserted in
 *    array order, ids drawn after the locks: per wallet they follow the
 *    balance_after chain. The wallets' CHECK constraints stay the last word.
 * A movement on a profile without a wallet answers `no-wallet`, claims no
 * key and moves nothing: the caller creates the wallet and moves it alone.
 */
export class MovementBatches1764103000000 implements MigrationInterface {
  name = 'MovementBatches1764103000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(MOVE_BATCH_FUNCTION);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP FUNCTION economy_move_batch(jsonb, boolean)');
  }
}
