import type { TestDatabase } from './test-database';

/**
 * What a restored database may do to a wallet: hand it to
 * another profile. The owner lifts, for one transaction, the trigger that
 * forbids it (the service's role may not).
 */
export async function handWalletTo(
  database: TestDatabase,
  walletId: number,
  profileId: number,
): Promise<void> {
  await database.asOwner((owner) =>
    owner.transaction(async (manager) => {
      await manager.query(
        'ALTER TABLE wallets DISABLE TRIGGER wallets_identity_immutable',
      );
      await manager.query('UPDATE wallets SET profile_id = $1 WHERE id = $2', [
        profileId,
        walletId,
      ]);
      await manager.query(
        'ALTER TABLE wallets ENABLE TRIGGER wallets_identity_immutable',
      );
    }),
  );
}
