import { DynamicModule, Module } from '@nestjs/common';
import { EconomyModule } from '../economy';
import { CampaignService } from './campaign.service';
import { PROMO_SECRET } from './promo-secret';
import { RedemptionBatchWriter } from './redemption-batch-writer';
import { RedemptionCoalescer } from './redemption-coalescer';
import { RedemptionService } from './redemption.service';
import { PromoRepository } from './repositories/promo.repository';

/** Promo codes: campaigns that grant coins, codes kept as keyed digests. */
@Module({})
export class PromoModule {
  static forRoot(options: { secret: string }): DynamicModule {
    return {
      module: PromoModule,
      imports: [EconomyModule],
      providers: [
        { provide: PROMO_SECRET, useValue: options.secret },
        PromoRepository,
        CampaignService,
        RedemptionBatchWriter,
        RedemptionCoalescer,
        RedemptionService,
      ],
      exports: [CampaignService, RedemptionService],
    };
  }
}
