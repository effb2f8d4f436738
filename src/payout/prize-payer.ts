import { Injectable } from '@nestjs/common';
import { WalletService } from '../economy';
import type { PaidPayment, Payment } from './payments';
import { RegistrationNotVerified } from './payout.errors';
import { PrizeRepository } from './repositories/prize.repository';

/**
 * Pays prizes: keyed credits of the winners' wallets and their records in
 * prize_transactions, all in one transaction. A re-run, a concurrent call or
 * a run after a crash replays the credits and finds the records.
 */
@Injectable()
export class PrizePayer {
  constructor(
    private readonly wallets: WalletService,
    private readonly prizes: PrizeRepository,
  ) {}

  /** Pays and records `payments`; how many were paid now rather than replayed. */
  pay(payments: Payment[]): Promise<number> {
    return this.wallets.creditAll(
      payments.map((payment) => ({
        profileId: payment.profileId,
        amount: payment.coins,
        reason: payment.placement,
        idempotencyKey: payment.key,
        meta: {
          tournamentId: payment.tournamentId,
          registrationId: payment.registrationId,
        },
      })),
      async (results, transaction) => {
        const paidNow: PaidPayment[] = [];
        const replayed: PaidPayment[] = [];
        payments.forEach((payment, index) => {
          const result = results[index];
          (result.replayed ? replayed : paidNow).push({
            ...payment,
            transactionId: result.transactionId,
          });
        });
        const recorded = new Set(
          await this.prizes.recordPaidNow(transaction, paidNow),
        );
        const unverified = paidNow.find(
          (payment) => !recorded.has(payment.registrationId),
        );
        if (unverified !== undefined) {
          throw new RegistrationNotVerified(
            `registration ${unverified.registrationId} is no longer verified; nothing was paid`,
          );
        }
        await this.prizes.recordReplayed(transaction, replayed);
        return paidNow.length;
      },
    );
  }
}
