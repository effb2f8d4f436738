export { EventFeed } from './event-feed';
export {
  EVENT_CURSOR_PATTERN,
  FEED_START,
  formatEventCursor,
  parseEventCursor,
} from './event-cursor';
export type { EventCursor } from './event-cursor';
export type { FeedEvent, FeedPage } from './event.types';
export { EventsModule } from './events.module';
export { EventsHttpModule } from './http/events-http.module';
