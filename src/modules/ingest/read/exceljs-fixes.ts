import { Readable } from 'node:stream';
import ExcelJS from 'exceljs';

/**
 * exceljs 4.4.0's streaming WorkbookReader, with the work-arounds that make it safe to use: it
 * must not lose the archive's last parts (exceljs#3064), and a sheet left unread or a read stopped
 * early must neither crash the process nor leave temporary files and descriptors behind. Shared by
 * the aggregation reader (./xlsx.ts) and the catalog import (catalog/import-read.ts).
 *
 * How exceljs reads: it walks the archive's entries in order. A worksheet that comes before the
 * shared strings (Excel's own order, and exceljs's) is copied to a temporary file ("spooled"),
 * and such sheets are handed out only after the whole archive has been read, each as a file
 * stream; exceljs removes a sheet's file when its iterator is resumed after that sheet. A worksheet
 * that comes after the shared strings is read straight from the archive.
 */

export type WorkbookReader = InstanceType<typeof ExcelJS.stream.xlsx.WorkbookReader>;

/** exceljs's WorksheetReader, with the two members its typings leave out. */
export type WorksheetReader = AsyncIterable<ExcelJS.Row> & {
  name?: string;
  /** The sheet's XML: an archive entry's iterator, or a file stream when exceljs spooled the sheet. */
  iterator?: unknown;
};

export interface StreamedWorkbook {
  /** exceljs's reader; its `model.sheets` lists the workbook's sheets once workbook.xml is read. */
  readonly reader: WorkbookReader;
  /**
   * The next worksheet in archive order, or null after the last. A sheet handed out earlier whose
   * rows were not opened is skipped safely.
   */
  nextSheet(): Promise<WorksheetReader | null>;
  /** The rows of a sheet from `nextSheet`, in order; one sheet at most is read. */
  rows(worksheet: WorksheetReader): AsyncIterableIterator<ExcelJS.Row>;
  /**
   * Stops reading (at any point, also after an error) and releases the input and exceljs's
   * temporary files. Idempotent; never rejects.
   */
  close(): Promise<void>;
}

export function streamWorkbook(input: Readable): StreamedWorkbook {
  holdZipEnd(input);
  const reader: WorkbookReader = new ExcelJS.stream.xlsx.WorkbookReader(input, {
    worksheets: 'emit',
    sharedStrings: 'cache',
    // Styles tell a date from a plain number.
    styles: 'cache',
    hyperlinks: 'ignore',
    entries: 'ignore',
  });
  const sheets = reader[Symbol.asyncIterator]() as AsyncGenerator<WorksheetReader>;
  let offered: WorksheetReader | null = null;
  let current: WorksheetReader | null = null;
  let rows: AsyncIterableIterator<ExcelJS.Row> | null = null;
  let closing: Promise<void> | null = null;

  return {
    reader,
    async nextSheet() {
      if (offered && offered !== current) discard(offered);
      offered = null;
      const next = await sheets.next();
      if (next.done) return null;
      offered = next.value;
      return offered;
    },
    rows(worksheet) {
      if (current) throw new Error('exceljs-fixes: only one sheet is read');
      current = worksheet;
      rows = worksheet[Symbol.asyncIterator]() as AsyncIterableIterator<ExcelJS.Row>;
      return rows;
    },
    close() {
      if (!closing) {
        closing = settle(sheets, current ?? offered, rows);
        input.destroy();
      }
      return closing;
    },
  };
}

/**
 * The file stream of a sheet exceljs spooled to a temporary file because the sheet came before the
 * shared strings in the archive (Excel's own order); such sheets are handed out after the whole
 * archive has been read.
 */
function spooled(worksheet: WorksheetReader | null): Readable | null {
  return worksheet?.iterator instanceof Readable ? worksheet.iterator : null;
}

/**
 * A spooled sheet that is not read: exceljs removes its temporary file as soon as it moves on, and
 * a file stream it opened but nobody reads would then fail to open, as an unhandled error.
 */
function discard(worksheet: WorksheetReader): void {
  const stream = spooled(worksheet);
  if (!stream) return;
  stream.on('error', () => {});
  stream.destroy();
}

/**
 * Stops exceljs after an early end or an error. When the last sheet handed out was spooled, the
 * archive is already read: exceljs is walked to its end (discarding the other spooled sheets) so
 * that it removes its temporary files, the last sheet's included (returning its generator instead
 * would leave them all, and their descriptors, until the process exits). Otherwise its generators
 * are simply returned.
 */
async function settle(
  sheets: AsyncGenerator<WorksheetReader>,
  last: WorksheetReader | null,
  rows: AsyncIterator<ExcelJS.Row> | null,
): Promise<void> {
  try {
    await rows?.return?.();
    if (spooled(last)) {
      // Its rows may never have been started: the file stream is then still opening.
      discard(last as WorksheetReader);
      for (let next = await sheets.next(); !next.done; next = await sheets.next()) discard(next.value);
    } else {
      await sheets.return(undefined);
    }
  } catch {
    // Closing: the caller already has the outcome.
  }
}

/**
 * Works around exceljs 4.4.0's streaming reader losing the archive's last entries (exceljs#3064,
 * open upstream). It pipes the input into unzipper's Parse and stops at that stream's 'end' event;
 * but Parse emits 'end' by hand as soon as it has parsed the whole archive, while entries it has
 * pushed may still wait in its buffer (the reader pauses it while handling an entry). The entries
 * lost are the last ones: an exceljs-written workbook.xml (the reader then fails on
 * `model.sheets`), or an Excel-written sharedStrings.xml (every text cell would come out unread).
 * The early 'end' is held back here; the stream's own 'end', once its buffer is drained, passes.
 * Relies on exceljs calling `input.pipe(zip)` and on readable-stream's `endEmitted` flag, set before
 * the genuine 'end' is emitted.
 */
function holdZipEnd(input: Readable): void {
  const pipe = input.pipe.bind(input);
  input.pipe = ((destination: NodeJS.WritableStream, options?: { end?: boolean }) => {
    const zip = destination as NodeJS.WritableStream & { _readableState?: { endEmitted?: boolean } };
    const emit = zip.emit.bind(zip);
    zip.emit = ((event: string | symbol, ...args: unknown[]) => {
      if (event === 'end' && zip._readableState?.endEmitted === false) return false;
      return emit(event, ...args);
    }) as typeof zip.emit;
    return pipe(destination, options);
  }) as typeof input.pipe;
}
