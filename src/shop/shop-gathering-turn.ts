import { Injectable } from '@nestjs/common';
import { GatheringTurn } from '../database/batches/gathering-turn';

/**
 * The turn the shop's checkouts and confirms share: a purchase is one of
 * each, so their batches go one after the other, each with every request of
 * its kind that queued meanwhile (docs/decisions.md).
 */
@Injectable()
export class ShopGatheringTurn extends GatheringTurn {}
