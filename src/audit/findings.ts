/** What a verification found wrong: which stream and version, which check, and what. */
export interface Finding {
  streamId: string | null;
  version?: number | undefined;
  check: 'chain' | 'tree' | 'checkpoint' | 'bundle';
  message: string;
}

/** `ticket 1f…: version 3: …` for ticket streams; the stream id otherwise. */
export function formatFinding(f: Finding): string {
  const subject = f.streamId?.startsWith('ticket-')
    ? `ticket ${f.streamId.slice('ticket-'.length)}`
    : (f.streamId ?? 'log');
  const version = f.version === undefined ? '' : ` version ${f.version}`;
  return `${subject}${version}: ${f.message} [${f.check}]`;
}
