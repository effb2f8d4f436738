import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  PrimaryColumn,
} from 'typeorm';

export type IdempotentOperation = 'CREDIT' | 'DEBIT' | 'TRANSFER' | 'HOLD';

/**
 * One row per keyed money movement, written in the same statement as its
 * ledger rows. The primary key makes a second claim of a key wait for the
 * first to commit or roll back, so a replay is detected atomically; `request`
 * holds what a replay must match.
 */
@Entity({ name: 'idempotency_keys' })
@Check(
  'idempotency_keys_operation_check',
  "operation IN ('CREDIT', 'DEBIT', 'TRANSFER', 'HOLD')",
)
@Check(
  'idempotency_keys_key_check',
  "char_length(key) BETWEEN 1 AND 255 AND key !~ '[^\\x20-\\x7e]'",
)
export class IdempotencyKey {
  // Byte order: see migration ByteOrderIdempotencyKeys.
  @PrimaryColumn({
    type: 'text',
    collation: 'C',
    primaryKeyConstraintName: 'idempotency_keys_pkey',
  })
  key!: string;

  @Column({ type: 'text' })
  operation!: IdempotentOperation;

  @Column({ type: 'jsonb' })
  request!: Record<string, unknown>;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
