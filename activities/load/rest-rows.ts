// REST (JSON) records → COPY text lines in staging column order.
import { copyTextLine, sfJsonToPgText } from '../../domain/wire-values';
import { qualified, quoteIdent } from '../../domain/sql-names';
import type { MappedField } from '../../domain/mapped-field';

export function copyTextStatement(schema: string, staging: string, columns: readonly string[]): string {
  return `COPY ${qualified(schema, staging)} (${columns.map(quoteIdent).join(', ')}) FROM STDIN`;
}

export function* restRecordLines(records: readonly Record<string, unknown>[], fields: readonly MappedField[]): Generator<string> {
  const values: (string | null)[] = new Array<string | null>(fields.length);
  for (const record of records) {
    for (let i = 0; i < fields.length; i++) values[i] = sfJsonToPgText(record[fields[i].name], fields[i].sfType);
    yield copyTextLine(values);
  }
}

/** The same records as one array per column (for unnest-based merges of small batches). */
export function restRecordColumns(records: readonly Record<string, unknown>[], fields: readonly MappedField[]): (string | null)[][] {
  const columns = fields.map(() => new Array<string | null>(records.length));
  for (let r = 0; r < records.length; r++) {
    for (let i = 0; i < fields.length; i++) columns[i][r] = sfJsonToPgText(records[r][fields[i].name], fields[i].sfType);
  }
  return columns;
}
