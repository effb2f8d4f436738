import { PurchaseLine } from './purchase-line.entity';
import { Purchase } from './purchase.entity';
import { ShopItem } from './shop-item.entity';

export { Purchase, PurchaseLine, ShopItem };

export const SHOP_ENTITIES = [ShopItem, Purchase, PurchaseLine];
