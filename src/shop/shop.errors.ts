import { DomainError } from '../common/domain-error';

/** Stable codes of every shop error. */
export enum ShopErrorCode {
  ItemNotFound = 'ITEM_NOT_FOUND',
  SkuTaken = 'SKU_TAKEN',
  ItemUnavailable = 'ITEM_UNAVAILABLE',
  OutOfStock = 'OUT_OF_STOCK',
  LimitExceeded = 'LIMIT_EXCEEDED',
  PurchaseNotFound = 'PURCHASE_NOT_FOUND',
  PurchaseState = 'PURCHASE_STATE',
  InvalidShopInput = 'INVALID_SHOP_INPUT',
}

/** Base of every error the shop raises on purpose. */
export abstract class ShopError extends DomainError {
  abstract override readonly code: ShopErrorCode;
}

export class ItemNotFound extends ShopError {
  readonly code = ShopErrorCode.ItemNotFound;
}

/** Another item has this sku. */
export class SkuTaken extends ShopError {
  readonly code = ShopErrorCode.SkuTaken;
}

/** An unknown or inactive sku in a purchase. */
export class ItemUnavailable extends ShopError {
  readonly code = ShopErrorCode.ItemUnavailable;
}

export class OutOfStock extends ShopError {
  readonly code = ShopErrorCode.OutOfStock;
}

/** Over the item's per-profile limit, counting pending and completed purchases. */
export class LimitExceeded extends ShopError {
  readonly code = ShopErrorCode.LimitExceeded;
}

export class PurchaseNotFound extends ShopError {
  readonly code = ShopErrorCode.PurchaseNotFound;
}

/** A transition the purchase's state does not allow (confirming a cancelled one, say). */
export class PurchaseState extends ShopError {
  readonly code = ShopErrorCode.PurchaseState;
}

/** A malformed item or purchase: a bad sku or price, no lines, a sku twice, a total past 2^53 - 1. */
export class InvalidShopInput extends ShopError {
  readonly code = ShopErrorCode.InvalidShopInput;
}
