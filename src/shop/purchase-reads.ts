import { Injectable } from '@nestjs/common';
import {
  purchaseSeen,
  PurchaseRepository,
} from './repositories/purchase.repository';
import type { PurchaseView } from './shop.types';

/** Purchases as their owner and the platform read them. */
@Injectable()
export class PurchaseReads {
  constructor(private readonly purchases: PurchaseRepository) {}

  async find(id: number): Promise<PurchaseView> {
    const view = purchaseSeen(await this.purchases.find(id));
    return view;
  }

  /** The profile's purchases, newest first: `limit` of them before id `before`. */
  page(
    profileId: number,
    page: { limit: number; before?: number },
  ): Promise<PurchaseView[]> {
    return this.purchases.page(
      profileId,
      page.before ?? Number.MAX_SAFE_INTEGER,
      page.limit,
    );
  }
}
