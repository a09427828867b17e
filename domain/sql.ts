// SQL text builders for mapping tables in Heroku Connect's layout (schema `salesforce`, sfid, _hc_lastop,
// _hc_err). They return SQL text only: identifiers are quoted by quoteIdent, values always travel as
// parameters or through COPY. One import point for callers; the builders live in the sql-* files.
export {
  quoteIdent, qualified, fitIdent, indexName, uniqueIndexName, stagingTableName, reloadTableName,
  SqlBuildError, MAX_IDENT_BYTES,
} from './sql-names.js';
export {
  mappedColumns, stagingColumnOrder, FIXED_COLUMNS, KEY_COLUMNS, type ColumnDef,
} from './sql-columns.js';
export {
  createMappingTable, createIndexes, addColumns, createStagingTable, copyIntoStaging, type IndexDef,
} from './sql-ddl.js';
export { mergeFromStaging, mergeRowsFromParams, mergeParamTypes, type MergeCounts } from './sql-merge.js';
export { renameForSwap } from './sql-swap.js';
