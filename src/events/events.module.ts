import { Module } from '@nestjs/common';
import { EventFeed } from './event-feed';

/** The event feed: what the ledger's triggers wrote, paged by other modules. */
@Module({
  providers: [EventFeed],
  exports: [EventFeed],
})
export class EventsModule {}
