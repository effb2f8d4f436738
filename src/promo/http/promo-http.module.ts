import { DynamicModule, Module } from '@nestjs/common';
import { PromoModule } from '../promo.module';
import { PromoController } from './promo.controller';

/** Promo campaigns and redemptions over HTTP. */
@Module({})
export class PromoHttpModule {
  static forRoot(options: { secret: string }): DynamicModule {
    return {
      module: PromoHttpModule,
      imports: [PromoModule.forRoot(options)],
      controllers: [PromoController],
    };
  }
}
