import { Entity, PrimaryColumn } from 'typeorm';

/** The closed, extensible set of ledger reasons, enforced by a foreign key. */
@Entity({ name: 'ledger_reasons' })
export class LedgerReasonRow {
  @PrimaryColumn({
    type: 'text',
    primaryKeyConstraintName: 'ledger_reasons_pkey',
  })
  code!: string;
}
