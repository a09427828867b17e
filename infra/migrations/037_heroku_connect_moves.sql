-- Relationship external IDs, ordered writes and adoption of a Heroku Connect database.
--
-- relationship_field: a mapping's relationship external ID fields (`Account__External_ID__c`), resolved
-- against the child's and the parent's describes by prepare-mapping; outbound flushes read them to send the
-- column as the relationship (`"Account": {"External_ID__c": …}`) and to order writes parent-first.
CREATE TABLE ferry.relationship_field (
  mapping_id text NOT NULL,
  field text NOT NULL,
  spec jsonb NOT NULL,          -- domain/relationship-fields.ts RelationshipField
  PRIMARY KEY (mapping_id, field)
);

-- connection_setting: per connection (= per schema) settings carried over from a Heroku Connect export's
-- `connection` block. features.poll_db_no_merge: true = ordered writes (default), false = merged writes.
CREATE TABLE ferry.connection_setting (
  schema_name text PRIMARY KEY,
  features jsonb NOT NULL DEFAULT '{}'::jsonb,
  imported_from jsonb,          -- app_name, organization_id, exported_at, api_version of the export
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- adopted_trigger: Heroku Connect's triggers that POST /import?adopt=true replaced with ferry's, as
-- pg_get_triggerdef wrote them, so a rollback to Heroku Connect can put them back.
CREATE TABLE ferry.adopted_trigger (
  schema_name text NOT NULL,
  table_name text NOT NULL,
  trigger_name text NOT NULL,
  definition text NOT NULL,
  adopted_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (schema_name, table_name, trigger_name)
);
