import { Inject, Injectable, Logger } from '@nestjs/common';
import { PostgresErrorCode, postgresErrorOf } from '../database/postgres-error';
import { checkCampaign } from './campaign-input';
import { codeDigest, generatedCode, normalizedCode } from './promo-codes';
import { CampaignNotFound, PromoCodeTaken } from './promo.errors';
import { PROMO_SECRET } from './promo-secret';
import type { CampaignView, CreatedCampaign, NewCampaign } from './promo.types';
import { PromoRepository } from './repositories/promo.repository';

/** Campaigns: created with their codes, read by id. */
@Injectable()
export class CampaignService {
  private readonly logger = new Logger(CampaignService.name);

  constructor(
    private readonly repository: PromoRepository,
    @Inject(PROMO_SECRET) private readonly secret: string,
  ) {}

  /**
   * The campaign and its codes in one statement; the codes are in this
   * answer only (the database keeps their digests).
   */
  async create(request: NewCampaign): Promise<CreatedCampaign> {
    const campaign = checkCampaign(request);
    const codes =
      request.generate !== undefined
        ? Array.from({ length: request.generate }, generatedCode)
        : [normalizedCode(request.code)];
    try {
      const created = await this.repository.addCampaign(
        campaign,
        codes.map((code) => codeDigest(this.secret, code)),
        request.generate !== undefined,
      );
      this.logger.log(
        `campaign ${created.id}: ${codes.length} codes, ${created.coins} coins each redemption`,
      );
      return { ...created, codes };
    } catch (error) {
      const { code, constraint } = postgresErrorOf(error);
      if (
        code === PostgresErrorCode.UniqueViolation &&
        constraint === 'promo_codes_pkey'
      ) {
        throw new PromoCodeTaken('another campaign has this code');
      }
      throw error;
    }
  }

  async find(id: number): Promise<CampaignView> {
    const campaign = await this.repository.findCampaign(id);
    if (campaign === null) {
      throw new CampaignNotFound(`campaign ${id} not found`);
    }
    return campaign;
  }
}
