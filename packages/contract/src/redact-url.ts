// Database URLs reach messages, logs and pages; their passwords must not.

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
