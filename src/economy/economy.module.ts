import { Module } from '@nestjs/common';
import { LedgerWriter } from './ledger-writer';
import { LedgerDatabase } from './persistence/ledger-database';
import { LedgerService } from './ledger.service';
import { WalletDirectory } from './wallet-directory';
import { WalletService } from './wallet.service';

/**
 * The coin ledger. Expects a TypeORM DataSource from the importing app
 * (DatabaseModule); exports only the two services other modules use.
 */
@Module({
  providers: [
    LedgerDatabase,
    WalletDirectory,
    LedgerWriter,
    WalletService,
    LedgerService,
  ],
  exports: [WalletService, LedgerService],
})
export class EconomyModule {}
