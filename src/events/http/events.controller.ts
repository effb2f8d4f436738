import { Controller, Get, HttpStatus, Query } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { CallableBy } from '../../auth/auth.decorators';
import { ApiProblems } from '../../http/api-problems.decorator';
import { ProblemCode } from '../../http/problem-details';
import { RequestRejected } from '../../http/request-rejected.exception';
import { FEED_START, parseEventCursor } from '../event-cursor';
import { EventFeed } from '../event-feed';
import type { FeedPage } from '../event.types';
import { EventsPageResponse, EventsQueryDto } from './dto/events.dto';

@ApiTags('events')
@Controller('events')
export class EventsController {
  constructor(private readonly feed: EventFeed) {}

  @Get()
  @CallableBy(
    'Page through coin events, oldest first: each event once, with the cursor of the page before',
    { roles: ['service', 'admin'] },
  )
  @ApiOkResponse({ type: EventsPageResponse })
  @ApiProblems(400)
  list(@Query() query: EventsQueryDto): Promise<FeedPage> {
    const after =
      query.after === undefined ? FEED_START : parseEventCursor(query.after);
    if (after === null) {
      // The DTO's pattern bounds the digits, not the values.
      throw new RequestRejected(
        HttpStatus.BAD_REQUEST,
        ProblemCode.ValidationFailed,
        'after: not a cursor this feed handed out',
      );
    }
    return this.feed.page(after, query.limit ?? 100, query.wait ?? 0);
  }
}
