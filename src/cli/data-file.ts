/**
 * How every command that reads a price file is told what detection cannot know: `--columns` (which column is
 * the close, the date, ...: one series of a multi-column file) and `--date-order dmy|mdy` (for files whose
 * dates are all ambiguous, e.g. 01/02/2001). Only parses flags; reading is the data capability's.
 */
import { COLUMN_ROLES, DATE_ORDERS, type ColumnMapping, type ColumnRole, type CsvOptions, type DateOrder } from '../main/data';
import { stringFlag, UsageError, type FlagSpec, type ParsedArgs } from './args';

export const DATA_FILE_FLAGS: Record<string, FlagSpec> = {
  columns: {
    type: 'string',
    description: 'which column plays which role, e.g. close=DAX or date=Datum,close=Schluss (a header name or a column number from 1; "none" to ignore a column)',
  },
  'date-order': { type: 'string', description: 'dmy or mdy: the order of dates like 01/02/2001 when the file cannot tell' },
};

/** `close=DAX,date=Datum` → a column mapping (numbers are column numbers counted from 1). */
export function parseColumnsFlag(text: string): ColumnMapping {
  const mapping: ColumnMapping = {};
  for (const part of text
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p.length > 0)) {
    const eq = part.indexOf('=');
    if (eq <= 0 || eq === part.length - 1) throw new UsageError(`Option --columns takes ROLE=COLUMN pairs (e.g. close=DAX,date=Datum), got "${part}".`);
    const role = part.slice(0, eq).trim().toLowerCase();
    const column = part.slice(eq + 1).trim();
    if (!(COLUMN_ROLES as readonly string[]).includes(role)) throw new UsageError(`Option --columns: "${role}" is not a role; use ${COLUMN_ROLES.join(', ')}.`);
    if ((role as ColumnRole) in mapping) throw new UsageError(`Option --columns names ${role} twice.`);
    if (/^(none|-)$/i.test(column)) mapping[role as ColumnRole] = null;
    else if (/^\d+$/.test(column)) {
      const n = Number(column);
      if (n < 1) throw new UsageError('Option --columns counts columns from 1.');
      mapping[role as ColumnRole] = n - 1;
    } else mapping[role as ColumnRole] = column;
  }
  if (Object.keys(mapping).length === 0) throw new UsageError('Option --columns needs at least one ROLE=COLUMN pair (e.g. close=DAX).');
  return mapping;
}

export function csvOptionsFromArgs(args: ParsedArgs): CsvOptions | undefined {
  const options: CsvOptions = {};
  const columns = stringFlag(args, 'columns');
  if (columns !== undefined) options.columns = parseColumnsFlag(columns);
  const order = stringFlag(args, 'date-order');
  if (order !== undefined) {
    if (!(DATE_ORDERS as readonly string[]).includes(order)) throw new UsageError(`Option --date-order must be dmy (day first, 15/07/1991) or mdy (month first, 07/15/1991), got "${order}".`);
    options.dateOrder = order as DateOrder;
  }
  return Object.keys(options).length > 0 ? options : undefined;
}
