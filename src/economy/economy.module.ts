import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ProfilesModule } from '../profiles';
import { ECONOMY_ENTITIES } from './entities';
import { HoldBook } from './holds/hold-book';
import { KeyClaims } from './idempotency/key-claims';
import { BatchCredits } from './movements/batch-credits';
import { SingleMovements } from './movements/single-movements';
import { LedgerWriter } from './movements/ledger-writer';
import { MovementBatchWriter } from './movements/movement-batch-writer';
import { MovementCoalescer } from './movements/movement-coalescer';
import { LedgerService } from './reconciliation/ledger.service';
import { WalletDirectory } from './wallets/wallet-directory';
import { WalletHistory } from './wallets/wallet-history';
import { WalletService } from './wallets/wallet.service';

/**
 * The coin ledger, on the app's DatabaseModule; its wallets hang on
 * profiles. Exports the two services other modules use.
 */
@Module({
  imports: [TypeOrmModule.forFeature([...ECONOMY_ENTITIES]), ProfilesModule],
  providers: [
    KeyClaims,
    BatchCredits,
    SingleMovements,
    HoldBook,
    LedgerWriter,
    MovementBatchWriter,
    MovementCoalescer,
    WalletDirectory,
    WalletHistory,
    WalletService,
    LedgerService,
  ],
  exports: [WalletService, LedgerService],
})
export class EconomyModule {}
