import { isIntegerBetween } from '../common/safe-integer';
import { InvalidPromoInput } from './promo.errors';
import type { NewCampaign } from './promo.types';

export const MAX_GENERATED_CODES = 10_000;

const isTime = (value: unknown): value is Date =>
  value instanceof Date && !Number.isNaN(value.getTime());

/** A campaign as it is stored, checked before anything is written. */
export function checkCampaign(campaign: NewCampaign) {
  const { name, coins } = campaign;
  if (typeof name !== 'string' || name.length === 0 || name.length > 200) {
    throw new InvalidPromoInput('a campaign has a name of 1 to 200 characters');
  }
  if (!isIntegerBetween(coins, 1, Number.MAX_SAFE_INTEGER)) {
    throw new InvalidPromoInput('coins are whole coins, 1 to 2^53 - 1');
  }
  const maxRedemptions = campaign.maxRedemptions ?? null;
  if (
    maxRedemptions !== null &&
    !isIntegerBetween(maxRedemptions, 1, Number.MAX_SAFE_INTEGER)
  ) {
    throw new InvalidPromoInput(
      'maxRedemptions is a positive whole number, or null for unlimited',
    );
  }
  const startsAt = campaign.startsAt ?? null;
  const endsAt = campaign.endsAt ?? null;
  if (
    (startsAt !== null && !isTime(startsAt)) ||
    (endsAt !== null && !isTime(endsAt))
  ) {
    throw new InvalidPromoInput('startsAt and endsAt are times');
  }
  if (startsAt !== null && endsAt !== null && startsAt >= endsAt) {
    throw new InvalidPromoInput('a campaign ends after it starts');
  }
  const hasCode = campaign.code !== undefined;
  const hasGenerate = campaign.generate !== undefined;
  if (hasCode === hasGenerate) {
    throw new InvalidPromoInput(
      'a campaign has either one shared code or generated codes',
    );
  }
  if (
    hasGenerate &&
    !isIntegerBetween(campaign.generate, 1, MAX_GENERATED_CODES)
  ) {
    throw new InvalidPromoInput(
      `generate is a whole number from 1 to ${MAX_GENERATED_CODES}`,
    );
  }
  return { name, coins, maxRedemptions, startsAt, endsAt };
}
