import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { EconomyModule } from '../economy';
import { CatalogService } from './catalog.service';
import { CheckoutService } from './checkout.service';
import { SHOP_ENTITIES } from './entities';
import { PurchaseLifecycle } from './purchase-lifecycle.service';
import { PurchaseReads } from './purchase-reads';
import { ShopBatchCoalescer } from './shop-batch-coalescer';
import { ShopBatchWriter } from './shop-batch-writer';
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
    ShopBatchWriter,
    ShopBatchCoalescer,
    CheckoutService,
    PurchaseLifecycle,
    PurchaseReads,
  ],
  exports: [CatalogService, CheckoutService, PurchaseLifecycle, PurchaseReads],
})
export class ShopModule {}
