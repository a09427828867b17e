// The first half of every background listener in the worker: its own Postgres session, holding a session
// advisory lock that says "this process does this job". Exactly one session in the database holds a lock, so
// with several workers exactly one listens; when that worker dies, the lock goes with its session and another
// worker's next attempt takes the job over.
import { Client as PgClient } from 'pg';

/** A lock key: one 64-bit number, or a class and a text hashed by Postgres (`hashtext`). */
export type ListenerLock = readonly [key: number] | readonly [lockClass: number, name: string];

/** Connects and takes the lock; null (the session closed again) when another session holds it. */
export async function openLockedSession(databaseUrl: string, applicationName: string, lock: ListenerLock): Promise<PgClient | null> {
  const client = new PgClient({ connectionString: databaseUrl, application_name: applicationName });
  // A lost connection surfaces as 'end', which each listener handles; an 'error' event must not crash the process.
  client.on('error', () => undefined);
  try {
    await client.connect();
    const sql = lock.length === 1 ? 'SELECT pg_try_advisory_lock($1) AS ok' : 'SELECT pg_try_advisory_lock($1, hashtext($2)) AS ok';
    const { rows } = await client.query<{ ok: boolean }>(sql, [...lock]);
    if (rows[0].ok) return client;
  } catch (err) {
    await client.end().catch(() => undefined);
    throw err;
  }
  await client.end().catch(() => undefined);
  return null;
}
