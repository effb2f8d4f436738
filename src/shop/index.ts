/**
 * The shop's public surface: the HTTP edge and the admin console import
 * from here, never from the shop's own folders.
 */
export { ShopModule } from './shop.module';
export { ShopHttpModule } from './http/shop-http.module';
export { SHOP_PROBLEMS } from './http/shop-problems';
export { CatalogService } from './catalog.service';
export { CheckoutService } from './checkout.service';
export { PurchaseLifecycle } from './purchase-lifecycle.service';
export { PurchaseReads } from './purchase-reads';
export * from './shop.errors';
export * from './shop.types';
export * from './entities';
