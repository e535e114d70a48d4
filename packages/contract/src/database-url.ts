// Database locations: which ones are a server's URL rather than a file, and their passwords kept
// out of the messages, logs and pages they reach.

/** True for a PostgreSQL URL (postgres:// or postgresql://, in any case): the store then lives on that server. */
export function isPostgresUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location);
}

/** The URL with its password replaced by `***`; anything else unchanged. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (!parsed.password) return url;
    parsed.password = '***';
    return parsed.toString();
  } catch {
    // Not a WHATWG URL (e.g. an unencoded character): redact the user-info part by pattern.
    return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
  }
}
