// A slow transaction commits after later ones with the SystemModstamp it took when it started
// (admin/org-time.ts), so its entry goes into a table's modstamp log at its stamp's place rather than at the
// end: after the entries sharing its stamp, the entries behind it shifted one place. Linear in the entries
// behind it — a fault for tests, not a path bulk writes take.
import type { Table } from './table.js';

export function insertLateLogEntry(table: Table, row: number, stamp: number): void {
  const pos = table.logSearch(stamp, false);
  table.logRows.push(row);
  table.logStamps.push(stamp);
  const rows = table.logRows.data;
  const stamps = table.logStamps.data;
  for (let p = table.logRows.length - 1; p > pos; p--) {
    const moved = rows[p - 1];
    rows[p] = moved;
    stamps[p] = stamps[p - 1];
    if (table.logPos[moved] === p - 1) table.logPos[moved] = p;
  }
  rows[pos] = row;
  stamps[pos] = stamp;
  table.logPos[row] = pos;
}
