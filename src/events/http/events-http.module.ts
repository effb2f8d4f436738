import { Module } from '@nestjs/common';
import { EventsModule } from '../events.module';
import { EventsController } from './events.controller';

/** The event feed over HTTP. */
@Module({
  imports: [EventsModule],
  controllers: [EventsController],
})
export class EventsHttpModule {}
