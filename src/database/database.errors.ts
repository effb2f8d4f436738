import { DomainError, type ProblemTable } from '../common/domain-error';

/**
 * A change PostgreSQL refused because what it would change is final: a
 * trigger guards it (SQLSTATE 23001), like the ledger's rows or a completed
 * tournament's terms. Its message is the trigger's, which names ids only.
 */
export class FinalRecordChange extends DomainError {
  readonly code = 'FINAL_RECORD';
}

/** How HTTP answers the database's refusals. */
export const DATABASE_PROBLEMS: ProblemTable<'FINAL_RECORD'> = {
  FINAL_RECORD: { status: 409, code: 'CONFLICT' },
};
