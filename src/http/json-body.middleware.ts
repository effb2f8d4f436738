import { HttpStatus, Injectable, NestMiddleware } from '@nestjs/common';
import { json, type NextFunction, type Request, type Response } from 'express';
import { ProblemCode } from './problem-details';
import { RequestRejected } from './request-rejected.exception';

export const MAX_BODY_BYTES = 16 * 1024;

const parseJson = json({ limit: MAX_BODY_BYTES, strict: true });

/**
 * Bodies are JSON, 16 KiB at most. Parsing runs as Nest middleware so that a
 * malformed, oversized or non-JSON body meets the problem-details filter like
 * any other error.
 */
@Injectable()
export class JsonBodyMiddleware implements NestMiddleware {
  use(request: Request, response: Response, next: NextFunction): void {
    const hasBody =
      request.headers['transfer-encoding'] !== undefined ||
      Number(request.headers['content-length'] ?? 0) > 0;
    if (hasBody && !request.is('application/json')) {
      next(
        new RequestRejected(
          HttpStatus.UNSUPPORTED_MEDIA_TYPE,
          ProblemCode.ValidationFailed,
          'request bodies must be application/json',
        ),
      );
      return;
    }
    parseJson(request, response, (error?: unknown) => {
      if (error !== undefined) {
        next(error);
      } else if (Array.isArray(request.body)) {
        next(
          new RequestRejected(
            HttpStatus.BAD_REQUEST,
            ProblemCode.ValidationFailed,
            'request bodies must be JSON objects',
          ),
        );
      } else {
        next();
      }
    });
  }
}
