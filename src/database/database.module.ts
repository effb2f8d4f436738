import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { dataSourceOptions } from './data-source-options';

export interface DatabaseModuleOptions {
  /** The service's role: migrations run before, as the schema's owner. */
  url: string;
  poolSize?: number;
  /** Connection attempts after the first fails, a second apart. */
  retryAttempts?: number;
}

@Module({})
export class DatabaseModule {
  static forRoot(options: DatabaseModuleOptions): DynamicModule {
    return {
      module: DatabaseModule,
      imports: [
        TypeOrmModule.forRoot({
          ...dataSourceOptions(options.url, options.poolSize),
          retryAttempts: options.retryAttempts ?? 3,
          retryDelay: 1000,
        }),
      ],
    };
  }
}
