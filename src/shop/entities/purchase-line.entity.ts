import { Check, Column, Entity, Index, JoinColumn, ManyToOne } from 'typeorm';
import { BigintColumn } from '../../database/bigint-columns';
import { bigintColumnTransformer } from '../../common/safe-integer';
import { Purchase } from './purchase.entity';
import { ShopItem } from './shop-item.entity';

/** One item of a purchase, at the price it was bought at. */
@Entity({ name: 'purchase_lines' })
@Check('purchase_lines_quantity_check', 'quantity BETWEEN 1 AND 10000')
@Check(
  'purchase_lines_unit_price_check',
  'unit_price BETWEEN 1 AND 9007199254740991',
)
@Index('purchase_lines_item_id_idx', ['itemId'])
export class PurchaseLine {
  @Column({
    name: 'purchase_id',
    type: 'bigint',
    primary: true,
    primaryKeyConstraintName: 'purchase_lines_pkey',
    transformer: bigintColumnTransformer,
  })
  purchaseId!: number;

  @ManyToOne(() => Purchase, { onDelete: 'RESTRICT', nullable: false })
  @JoinColumn({
    name: 'purchase_id',
    foreignKeyConstraintName: 'purchase_lines_purchase_id_fkey',
  })
  purchase?: Purchase;

  @Column({
    name: 'item_id',
    type: 'bigint',
    primary: true,
    primaryKeyConstraintName: 'purchase_lines_pkey',
    transformer: bigintColumnTransformer,
  })
  itemId!: number;

  @ManyToOne(() => ShopItem, { onDelete: 'RESTRICT', nullable: false })
  @JoinColumn({
    name: 'item_id',
    foreignKeyConstraintName: 'purchase_lines_item_id_fkey',
  })
  item?: ShopItem;

  @Column({ type: 'integer' })
  quantity!: number;

  @BigintColumn({ name: 'unit_price' })
  unitPrice!: number;

  /** Whether checkout took the quantity from the item's stock (and a return gives it back). */
  @Column({ name: 'stock_taken', type: 'boolean' })
  stockTaken!: boolean;
}
