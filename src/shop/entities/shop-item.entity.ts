import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  Unique,
  UpdateDateColumn,
} from 'typeorm';
import {
  BigintColumn,
  IdentityPrimaryColumn,
} from '../../database/bigint-columns';

/** An item of the catalog: its price, and its stock and per-profile limit (null: none). */
@Entity({ name: 'shop_items' })
@Unique('shop_items_sku_key', ['sku'])
@Check('shop_items_sku_check', "sku ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$'")
@Check('shop_items_name_check', 'length(name) BETWEEN 1 AND 200')
@Check('shop_items_price_check', 'price BETWEEN 1 AND 9007199254740991')
@Check('shop_items_stock_check', 'stock >= 0')
@Check('shop_items_per_profile_limit_check', 'per_profile_limit >= 1')
export class ShopItem {
  @IdentityPrimaryColumn('shop_items_pkey')
  id!: number;

  @Column({ type: 'text' })
  sku!: string;

  @Column({ type: 'text' })
  name!: string;

  @BigintColumn()
  price!: number;

  @Column({ type: 'integer', nullable: true })
  stock!: number | null;

  @Column({ name: 'per_profile_limit', type: 'integer', nullable: true })
  perProfileLimit!: number | null;

  @Column({ type: 'boolean', default: true })
  active!: boolean;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
