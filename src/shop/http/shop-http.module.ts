import { Module } from '@nestjs/common';
import { ShopModule } from '../shop.module';
import { ItemsController } from './items.controller';
import { PurchaseExpiry } from './purchase-expiry';
import { PurchasesController } from './purchases.controller';

/** The shop over HTTP, and the expiry of purchases, which the server runs. */
@Module({
  imports: [ShopModule],
  controllers: [ItemsController, PurchasesController],
  providers: [PurchaseExpiry],
})
export class ShopHttpModule {}
