import type { DataSource } from 'typeorm';

/**
 * Whether the role `dataSource` logs in as could alter the ledger's tables
 * (disable a trigger, truncate, drop): a superuser, their owner, or a member
 * of the owner's role. The ledger's append-only guarantee then rests on the
 * code's good behaviour instead of PostgreSQL's privileges.
 */
export async function canAlterLedger(dataSource: DataSource): Promise<boolean> {
  const [{ alterable }]: { alterable: boolean }[] = await dataSource.query(
    `SELECT r.rolsuper OR pg_has_role(current_user, t.relowner, 'MEMBER') AS alterable
       FROM pg_roles r, pg_class t
      WHERE r.rolname = current_user AND t.oid = 'wallet_transactions'::regclass`,
  );
  return alterable;
}
