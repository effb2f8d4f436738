import { Column, PrimaryColumn, type ColumnOptions } from 'typeorm';
import { bigintColumnTransformer } from '../common/safe-integer';

/** A `bigint GENERATED ALWAYS AS IDENTITY` primary key, read as a safe integer. */
export function IdentityPrimaryColumn(
  primaryKeyConstraintName: string,
): PropertyDecorator {
  return PrimaryColumn({
    type: 'bigint',
    generated: 'identity',
    generatedIdentity: 'ALWAYS',
    primaryKeyConstraintName,
    transformer: bigintColumnTransformer,
  });
}

/** A `bigint` column read as a safe integer (pg hands bigints over as strings). */
export function BigintColumn(
  options: Omit<ColumnOptions, 'type' | 'transformer'> = {},
): PropertyDecorator {
  return Column({
    ...options,
    type: 'bigint',
    transformer: bigintColumnTransformer,
  });
}
