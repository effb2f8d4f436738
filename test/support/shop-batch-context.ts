import { ShopModule } from '../../src/shop';
import {
  createEconomyTestContext,
  type EconomyTestContext,
} from './economy-test-context';

/**
 * The shop on four connections, as its batch tests run it: three lanes, one
 * of which a locked row's requests may hold while they wait, so that what
 * queues behind a running batch's first call goes in the next one. Row
 * locks are waited for up to `lockWaitMs`.
 */
export function createShopBatchContext(
  lockWaitMs: number,
): Promise<EconomyTestContext> {
  return createEconomyTestContext({
    poolSize: 4,
    modules: [ShopModule],
    bounds: { lockWaitMs, statementMs: 30_000, poolWaitMs: 30_000 },
  });
}
