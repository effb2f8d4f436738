import { ConflictException, Logger } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { DomainError } from '../common/domain-error';
import {
  DATABASE_PROBLEMS,
  FinalRecordChange,
} from '../database/database.errors';
import {
  ECONOMY_PROBLEMS,
  IdempotencyConflict,
  InsufficientFunds,
  LedgerInconsistent,
  UnknownProfile,
} from '../economy';
import { PAYOUT_PROBLEMS, TournamentNotFound } from '../payout';
import { mergeProblemTables, replyWithProblem } from './problem-details.filter';

class ShopClosed extends DomainError {
  readonly code = 'SHOP_CLOSED';
}

/** The answer replyWithProblem gives, as a client reads it. */
function answerTo(error: unknown): { status: number; body: unknown } {
  const answers = mergeProblemTables([
    DATABASE_PROBLEMS,
    ECONOMY_PROBLEMS,
    PAYOUT_PROBLEMS,
  ]);
  let status = 0;
  let body = '';
  const reply = {
    headers: () => reply,
    header: () => reply,
    type: () => reply,
    status: (code: number) => ((status = code), reply),
    send: (text: string) => ((body = text), reply),
  } as unknown as FastifyReply;
  replyWithProblem(reply, error, answers);
  return { status, body: JSON.parse(body) as unknown };
}

describe('replyWithProblem', () => {
  beforeEach(() => jest.spyOn(Logger.prototype, 'error').mockReturnValue());
  afterEach(() => jest.restoreAllMocks());

  it.each([
    [
      new InsufficientFunds('insufficient funds: profile 3'),
      422,
      'INSUFFICIENT_FUNDS',
    ],
    [new IdempotencyConflict('key used'), 409, 'IDEMPOTENCY_CONFLICT'],
    [new UnknownProfile('unknown profile 9'), 404, 'NOT_FOUND'],
    [new TournamentNotFound('unknown tournament 4'), 404, 'NOT_FOUND'],
    [
      new FinalRecordChange('tournament 4: its prize coins are fixed'),
      409,
      'CONFLICT',
    ],
  ])('answers %s as its module’s table says', (error, status, code) => {
    expect(answerTo(error)).toEqual({
      status,
      body: expect.objectContaining({
        status,
        code,
        detail: error.message,
      }) as unknown,
    });
  });

  it('labels a conflict that is not about a key CONFLICT, never IDEMPOTENCY_CONFLICT', () => {
    expect(answerTo(new ConflictException('taken'))).toEqual({
      status: 409,
      body: expect.objectContaining({ code: 'CONFLICT' }) as unknown,
    });
  });

  it.each([
    ['a code no module answers', new ShopClosed('closed on Sundays')],
    ['a code answered with a 500', new LedgerInconsistent('wallet 3 drifts')],
  ])('answers %s with a bare 500', (_, error) => {
    expect(answerTo(error)).toEqual({
      status: 500,
      body: expect.objectContaining({
        code: 'INTERNAL',
        detail: 'the request could not be completed',
      }) as unknown,
    });
  });

  it('refuses two modules claiming one code', () => {
    expect(() =>
      mergeProblemTables([
        ECONOMY_PROBLEMS,
        { INSUFFICIENT_FUNDS: { status: 400 } },
      ]),
    ).toThrow('INSUFFICIENT_FUNDS');
  });
});
