// A mapping's PushTopic in the org (`ferry_<Object>`, see domain/soql.ts pushTopicName): created or brought in
// step with the mapped fields when the mapping streams from it, deleted when it stops (polling again, or the
// mapping is deleted). Each call goes through the mapping's metered connection, so it counts in its budget.
import type { Connection } from 'jsforce';

interface TopicRow { Id: string; Query: string; IsActive: boolean }

async function findTopic(conn: Connection, name: string): Promise<TopicRow | undefined> {
  // pushTopicName yields letters, digits and underscores only: safe inside the quoted literal.
  const found = await conn.query<TopicRow>(`SELECT Id, Query, IsActive FROM PushTopic WHERE Name = '${name}'`);
  return found.records[0];
}

/** Creates the topic, or updates its Query when the mapped fields changed (2 calls at most). */
export async function ensurePushTopic(conn: Connection, name: string, query: string): Promise<void> {
  const topic = await findTopic(conn, name);
  if (!topic) {
    const created = await conn.sobject('PushTopic').create({
      Name: name, Query: query, ApiVersion: Number(conn.version), NotifyForFields: 'All', IsActive: true,
      NotifyForOperationCreate: true, NotifyForOperationUpdate: true, NotifyForOperationDelete: true, NotifyForOperationUndelete: true,
    });
    if (!created.success) throw new Error(`PushTopic ${name} not created: ${JSON.stringify(created)}`);
  } else if (topic.Query !== query || topic.IsActive === false) {
    const updated = await conn.sobject('PushTopic').update({ Id: topic.Id, Query: query, IsActive: true, NotifyForFields: 'All' });
    if (!updated.success) throw new Error(`PushTopic ${name} not updated: ${JSON.stringify(updated)}`);
  }
}

/** Deletes the topic if the org has it (2 calls at most); whether one was deleted. */
export async function deletePushTopic(conn: Connection, name: string): Promise<boolean> {
  const topic = await findTopic(conn, name);
  if (!topic) return false;
  const deleted = await conn.sobject('PushTopic').destroy(topic.Id);
  if (!deleted.success) throw new Error(`PushTopic ${name} not deleted: ${JSON.stringify(deleted)}`);
  return true;
}
