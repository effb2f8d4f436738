import type { ProblemTable } from '../../common/domain-error';
import { ShopErrorCode } from '../shop.errors';

/** How HTTP answers each shop error. */
export const SHOP_PROBLEMS: ProblemTable<ShopErrorCode> = {
  [ShopErrorCode.ItemNotFound]: { status: 404, code: 'NOT_FOUND' },
  [ShopErrorCode.PurchaseNotFound]: { status: 404, code: 'NOT_FOUND' },
  [ShopErrorCode.SkuTaken]: { status: 409 },
  [ShopErrorCode.ItemUnavailable]: { status: 422 },
  [ShopErrorCode.OutOfStock]: { status: 422 },
  [ShopErrorCode.LimitExceeded]: { status: 422 },
  [ShopErrorCode.PurchaseState]: { status: 409 },
  [ShopErrorCode.InvalidShopInput]: { status: 400, code: 'VALIDATION_FAILED' },
};
