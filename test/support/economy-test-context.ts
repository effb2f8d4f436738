import type { DynamicModule, LoggerService, Type } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { DataSource } from 'typeorm';
import type { DatabaseBounds } from '../../src/database/data-source-options';
import { DatabaseModule } from '../../src/database/database.module';
import { EconomyModule } from '../../src/economy/economy.module';
import { Profile } from '../../src/profiles';
import { LedgerService } from '../../src/economy/reconciliation/ledger.service';
import { WalletService } from '../../src/economy/wallets/wallet.service';
import { createTestDatabase, type TestDatabase } from './test-database';

export interface EconomyTestContext {
  wallets: WalletService;
  ledger: LedgerService;
  dataSource: DataSource;
  database: TestDatabase;
  /** Any provider of the module, for tests that reach under the services. */
  get<T>(type: new (...args: never[]) => T): T;
  createProfile(): Promise<Profile>;
  createProfiles(count: number): Promise<Profile[]>;
  /** A new profile whose wallet was credited `balance` (reason WINNER). */
  createFundedProfile(balance: number): Promise<Profile>;
  close(): Promise<void>;
}

let profileSequence = 0;

/**
 * The real EconomyModule on a database of its own (or on `shared`, which then
 * stays in place at close: a second app instance on the same data).
 */
export async function createEconomyTestContext(
  options: {
    poolSize?: number;
    /** The server's waits, bounded; unbounded (as in the console) without. */
    bounds?: DatabaseBounds;
    shared?: TestDatabase;
    logger?: LoggerService;
    /** Feature modules built on the economy (PayoutModule, say). */
    modules?: (Type | DynamicModule)[];
  } = {},
): Promise<EconomyTestContext> {
  const poolSize = options.poolSize ?? 20;
  const database = options.shared ?? (await createTestDatabase());
  const moduleRef = await Test.createTestingModule({
    imports: [
      DatabaseModule.forRoot({
        url: database.url,
        poolSize,
        bounds: options.bounds,
      }),
      EconomyModule,
      ...(options.modules ?? []),
    ],
  }).compile();
  moduleRef.useLogger(options.logger ?? false);
  await moduleRef.init();
  const dataSource = moduleRef.get(DataSource);
  const createProfile = () => {
    profileSequence += 1;
    const tag = `${process.pid}-${profileSequence}`;
    return dataSource
      .getRepository(Profile)
      .save({ username: `player-${tag}`, email: `player-${tag}@example.test` });
  };
  return {
    wallets: moduleRef.get(WalletService),
    ledger: moduleRef.get(LedgerService),
    dataSource,
    database,
    get: (type) => moduleRef.get(type),
    createProfile,
    createProfiles: async (count) => {
      const profiles: Profile[] = [];
      for (let i = 0; i < count; i++) {
        profiles.push(await createProfile());
      }
      return profiles;
    },
    createFundedProfile: async (balance) => {
      const profile = await createProfile();
      await moduleRef
        .get(WalletService)
        .credit(profile, balance, { reason: 'WINNER' });
      return profile;
    },
    close: async () => {
      await moduleRef.close();
      if (!options.shared) {
        await database.drop();
      }
    },
  };
}
