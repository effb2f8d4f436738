import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { EconomyModule } from '../economy';
import { CatalogService } from './catalog.service';
import { CheckoutBatchWriter } from './checkout-batch-writer';
import { CheckoutCoalescer } from './checkout-coalescer';
import { CheckoutService } from './checkout.service';
import { ConfirmationBatchWriter } from './confirmation-batch-writer';
import { ConfirmationCoalescer } from './confirmation-coalescer';
import { SHOP_ENTITIES } from './entities';
import { PurchaseLifecycle } from './purchase-lifecycle.service';
import { PurchaseReads } from './purchase-reads';
import { ShopGatheringTurn } from './shop-gathering-turn';
import { ItemRepository } from './repositories/item.repository';
import { PurchaseBatches } from './repositories/purchase-batches';
import { PurchaseSteps } from './repositories/purchase-steps';
import { PurchaseRepository } from './repositories/purchase.repository';

/** The DeltaCoin shop: a catalog, and purchases paid through holds. */
@Module({
  imports: [TypeOrmModule.forFeature(SHOP_ENTITIES), EconomyModule],
  providers: [
    ItemRepository,
    PurchaseRepository,
    PurchaseSteps,
    PurchaseBatches,
    CatalogService,
    ShopGatheringTurn,
    CheckoutBatchWriter,
    CheckoutCoalescer,
    CheckoutService,
    ConfirmationBatchWriter,
    ConfirmationCoalescer,
    PurchaseLifecycle,
    PurchaseReads,
  ],
  exports: [CatalogService, CheckoutService, PurchaseLifecycle, PurchaseReads],
})
export class ShopModule {}
