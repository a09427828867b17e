import type { Pool } from '../infra/db';

export interface PostgresDescription {
  serverVersion: string;
  database: string;
  migrationsApplied: number;
}

/** Reports what the worker's Postgres is: used by the diagnostics workflow an operator runs to check a deployment. */
export function createDescribePostgres(deps: { pool: Pool }) {
  return async function describePostgres(): Promise<PostgresDescription> {
    const { rows } = await deps.pool.query<{ server_version: string; database: string; migrations: string }>(
      `SELECT current_setting('server_version') AS server_version, current_database() AS database,
              (SELECT count(*) FROM ferry.schema_migrations) AS migrations`,
    );
    return { serverVersion: rows[0].server_version, database: rows[0].database, migrationsApplied: Number(rows[0].migrations) };
  };
}
