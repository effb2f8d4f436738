import type { KeyScope } from '../economy';

export type PurchaseStatus =
  'PENDING' | 'COMPLETED' | 'CANCELLED' | 'EXPIRED' | 'REFUNDED';

export interface ItemView {
  id: number;
  sku: string;
  name: string;
  price: number;
  /** null: unlimited. */
  stock: number | null;
  /** null: unlimited. */
  perProfileLimit: number | null;
  active: boolean;
}

export type NewItem = Omit<
  ItemView,
  'id' | 'stock' | 'perProfileLimit' | 'active'
> &
  Partial<Pick<ItemView, 'stock' | 'perProfileLimit' | 'active'>>;

export type ItemChanges = Partial<Omit<ItemView, 'id' | 'sku'>>;

export interface PurchasedLine {
  sku: string;
  quantity: number;
  unitPrice: number;
}

export interface PurchaseView {
  id: number;
  profileId: number;
  status: PurchaseStatus;
  total: number;
  lines: PurchasedLine[];
  holdId: number;
  expiresAt: Date;
  transactionId: number | null;
  refundTransactionId: number | null;
  createdAt: Date;
}

/** A purchase just made, or the one its key made before. */
export interface PlacedPurchase extends PurchaseView {
  replayed: boolean;
}

/** What a buyer asks for, and how the purchase is named. */
export interface PurchaseRequest {
  profileId: number;
  lines: { sku: string; quantity: number }[];
  /** 1 to 86,400; 600 when absent. */
  expiresInSeconds?: number;
  idempotencyKey: string;
  keyScope: KeyScope;
  /** A digest of the whole request: a replay must match it. */
  requestFingerprint: string;
}

/** The end state each action leads a purchase to. */
export type PurchaseAction = 'confirm' | 'cancel' | 'refund';
