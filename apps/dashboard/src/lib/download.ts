// Responses of the export route handlers: an attachment with a safe file name, or a plain-text
// error that says what was wrong.
import { type DatabaseProblem, displayLocation } from './database';

/** Letters, digits, '.', '-' and '_' only; anything else becomes '-'. */
export function safeFileName(name: string): string {
  const cleaned = name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '');
  return (cleaned || 'export').slice(0, 100);
}

function attachmentHeaders(fileName: string, contentType: string): HeadersInit {
  return {
    'content-type': contentType,
    'content-disposition': `attachment; filename="${safeFileName(fileName)}"`,
    'cache-control': 'no-store',
  };
}

export function attachment(body: string, fileName: string, contentType: string): Response {
  return new Response(body, { headers: attachmentHeaders(fileName, contentType) });
}

/**
 * An attachment sent as it is produced: `first` at once, then each piece of `rest` when the client
 * is ready for it (a slow download does not pile the export up in memory). A failure half-way aborts
 * the response, so the client sees a failed download, never a silently short file; a client that
 * goes away stops the export.
 */
export function streamedAttachment(
  first: string,
  rest: AsyncGenerator<string>,
  fileName: string,
  contentType: string,
  /** Sees an error half-way (e.g. to drop a damaged database's cached connection) before the abort. */
  onError: (error: unknown) => void = () => undefined,
): Response {
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(encoder.encode(first));
    },
    async pull(controller) {
      let piece: IteratorResult<string>;
      try {
        piece = await rest.next();
      } catch (error) {
        onError(error);
        throw error;
      }
      if (piece.done) controller.close();
      else controller.enqueue(encoder.encode(piece.value));
    },
    async cancel() {
      await rest.return(undefined);
    },
  });
  return new Response(body, { headers: attachmentHeaders(fileName, contentType) });
}

/** What the export routes can produce, and the content type of each. */
export const EXPORT_CONTENT_TYPES = {
  csv: 'text/csv; charset=utf-8',
  json: 'application/json; charset=utf-8',
} as const;
export type ExportFormat = keyof typeof EXPORT_CONTENT_TYPES;

/** The `format` query parameter of an export route (csv when absent), or the 400 that names the choices. */
export function exportFormat(request: Request): ExportFormat | Response {
  const format = new URL(request.url).searchParams.get('format') ?? 'csv';
  if (format === 'csv' || format === 'json') return format;
  return textError(400, `Unknown format ${JSON.stringify(format)}: use csv or json.`);
}

export function textError(status: number, message: string): Response {
  return new Response(`${message}\n`, { status, headers: { 'content-type': 'text/plain; charset=utf-8' } });
}

export function problemResponse(problem: DatabaseProblem): Response {
  const shown = displayLocation(problem.path);
  return textError(503, `${problem.message.split(problem.path).join(shown)} (database ${shown})`);
}
