import { Injectable } from '@nestjs/common';
import { PeriodicProvider } from '../../common/periodic-task';
import { WalletService } from '../wallets/wallet.service';

/**
 * Releases holds past their expiry (EXPIRED) every second, in the server:
 * each instance sweeps, and SKIP LOCKED keeps them out of each other's way.
 * The admin console's `holds expire` does the same at once.
 */
@Injectable()
export class HoldExpiry extends PeriodicProvider {
  constructor(wallets: WalletService) {
    super(HoldExpiry.name, 1000, () => wallets.expireHolds());
  }
}
