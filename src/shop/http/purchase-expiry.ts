import { Injectable } from '@nestjs/common';
import { PeriodicProvider } from '../../common/periodic-task';
import { PurchaseLifecycle } from '../purchase-lifecycle.service';

/**
 * Expires pending purchases past their expiry every second, in the server:
 * coins released and stock returned. Each instance sweeps; SKIP LOCKED keeps
 * them out of each other's way.
 */
@Injectable()
export class PurchaseExpiry extends PeriodicProvider {
  constructor(lifecycle: PurchaseLifecycle) {
    super(PurchaseExpiry.name, 1000, () => lifecycle.expireDue());
  }
}
