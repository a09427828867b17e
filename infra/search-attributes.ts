// Search attributes that make mappings findable in the Temporal UI (e.g. `FerryState = "PAUSED"`).
// Registered on the dev server by scripts/runtime/temporal.ts and by the compose stack's namespace job.
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const FERRY_OBJECT = defineSearchAttributeKey('FerryObject', SearchAttributeType.KEYWORD);
export const FERRY_STATE = defineSearchAttributeKey('FerryState', SearchAttributeType.KEYWORD);

export const SEARCH_ATTRIBUTES = [
  { name: FERRY_OBJECT.name, cliType: 'Keyword' },
  { name: FERRY_STATE.name, cliType: 'Keyword' },
] as const;
