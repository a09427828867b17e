// The columns of a mapping's relationship external ID fields (recorded by prepare-mapping in
// ferry.relationship_field). Inbound never reads them from Salesforce, so a table a load builds beside the
// live one gets them added: they hold what apps write.
import type { ColumnDef } from '../domain/sql-columns';
import type { RelationshipField } from '../domain/relationship-fields';
import type { PoolClient } from '../infra/db';

export async function relationshipColumns(client: PoolClient, mappingId: string): Promise<ColumnDef[]> {
  const { rows } = await client.query<{ spec: RelationshipField }>('SELECT spec FROM ferry.relationship_field WHERE mapping_id = $1 ORDER BY field', [mappingId]);
  return rows.map((r) => ({ name: r.spec.column, pgType: r.spec.pgType }));
}
