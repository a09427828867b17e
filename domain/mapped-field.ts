// A mapped Salesforce field as the mapping's table holds it: what prepare-mapping learns from the describe and
// every later step (load, poll, stream, flush) reads.
export interface MappedField {
  /** Salesforce API name as the describe spells it. */
  name: string;
  /** Postgres column (lower-cased; Id → sfid). */
  column: string;
  sfType: string;
  pgType: string;
  /** Writability for outbound sync (absent in states carried from before it was recorded: treated as writable). */
  createable?: boolean;
  updateable?: boolean;
  /** A formula or roll-up field (describe `calculated`): refreshed on its own schedule (domain/formula-refresh.ts). */
  calculated?: boolean;
}
