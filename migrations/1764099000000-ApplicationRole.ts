import type { MigrationInterface, QueryRunner } from 'typeorm';

const GRANTS: [privileges: string, objects: string][] = [
  ['SELECT, INSERT', 'TABLE profiles'],
  ['SELECT, INSERT, UPDATE', 'TABLE wallets'],
  ['SELECT, INSERT', 'TABLE idempotency_keys'],
  ['SELECT, INSERT', 'TABLE wallet_transactions'],
  ['USAGE', 'SEQUENCE wallet_transfer_id_seq'],
  ['SELECT, INSERT, UPDATE', 'TABLE tournaments'],
  ['SELECT, INSERT, UPDATE', 'TABLE registrations'],
  ['SELECT, INSERT', 'TABLE prize_transactions'],
  // A readiness check may compare the applied migrations with its own.
  ['SELECT', 'TABLE schema_migrations'],
];

/**
 * What the service may do, granted to a group role of its own: rows read and
 * written where the code does, and nothing else. No DELETE, no TRUNCATE and
 * no UPDATE of the ledger, the keys or the prizes (their triggers refuse
 * those anyway), and no DDL: only an owner may disable a trigger or alter a
 * table, and the service never owns one. The service logs in as this role
 * (the embedded PostgreSQL) or as a login role that is a member of it; the
 * migrations run as the owner. A migration adding a table grants what the
 * code needs on it.
 */
export class ApplicationRole1764099000000 implements MigrationInterface {
  name = 'ApplicationRole1764099000000';

  /** Another role for the tests alone, which race to create one of their own. */
  constructor(private readonly role = 'deltacrown_app') {}

  public async up(queryRunner: QueryRunner): Promise<void> {
    // Databases migrating at once on one server may race to create the
    // role: the loser finds it made.
    await queryRunner.query(`
      DO $$
      BEGIN
        IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${this.role}') THEN
          CREATE ROLE ${this.role} NOLOGIN;
        END IF;
      EXCEPTION
        WHEN duplicate_object OR unique_violation THEN
          NULL;
        WHEN insufficient_privilege THEN
          RAISE EXCEPTION 'role ${this.role} is missing, and % may not create it: have it created first (README, Database roles)', current_user
            USING ERRCODE = 'insufficient_privilege';
      END
      $$`);
    for (const [privileges, objects] of GRANTS) {
      await queryRunner.query(
        `GRANT ${privileges} ON ${objects} TO ${this.role}`,
      );
    }
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    // The role is the server's, shared by every database on it: it stays.
    for (const [privileges, objects] of GRANTS) {
      await queryRunner.query(
        `REVOKE ${privileges} ON ${objects} FROM ${this.role}`,
      );
    }
  }
}
