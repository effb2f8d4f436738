import { isIntegerBetween } from '../common/safe-integer';
import { InvalidShopInput } from './shop.errors';
import type { PurchaseRequest } from './shop.types';

export const MAX_PURCHASE_LINES = 50;
export const MAX_QUANTITY = 10_000;
export const DEFAULT_PURCHASE_SECONDS = 600;
export const MAX_PURCHASE_SECONDS = 86_400;
export const SKU_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** A purchase request, checked before anything is locked or written. */
export function checkPurchase(request: PurchaseRequest): {
  lines: { sku: string; quantity: number }[];
  expiresInSeconds: number;
} {
  if (!isIntegerBetween(request.profileId, 1, Number.MAX_SAFE_INTEGER)) {
    throw new InvalidShopInput('profileId must be a positive integer');
  }
  const { lines } = request;
  if (
    !Array.isArray(lines) ||
    lines.length === 0 ||
    lines.length > MAX_PURCHASE_LINES
  ) {
    throw new InvalidShopInput(
      `a purchase has 1 to ${MAX_PURCHASE_LINES} lines`,
    );
  }
  for (const line of lines) {
    if (typeof line.sku !== 'string' || !SKU_PATTERN.test(line.sku)) {
      throw new InvalidShopInput('a line names an item by its sku');
    }
    if (!isIntegerBetween(line.quantity, 1, MAX_QUANTITY)) {
      throw new InvalidShopInput(
        `a line's quantity is a whole number from 1 to ${MAX_QUANTITY}`,
      );
    }
  }
  if (new Set(lines.map((line) => line.sku)).size < lines.length) {
    throw new InvalidShopInput('a purchase names each sku once');
  }
  const expiresInSeconds = request.expiresInSeconds ?? DEFAULT_PURCHASE_SECONDS;
  if (!isIntegerBetween(expiresInSeconds, 1, MAX_PURCHASE_SECONDS)) {
    throw new InvalidShopInput(
      `expiresInSeconds is a whole number from 1 to ${MAX_PURCHASE_SECONDS}`,
    );
  }
  return { lines, expiresInSeconds };
}
