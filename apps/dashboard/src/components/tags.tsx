/** Tags as small labels; keys and values are shown as text, whatever they contain. */
export function Tags({ tags }: { tags: Record<string, string> }) {
  const entries = Object.entries(tags);
  if (entries.length === 0) return null;
  return (
    <span>
      {entries.map(([key, value]) => (
        <span key={key} className="tag" data-testid="tag">
          {value === '' ? key : `${key}: ${value}`}
        </span>
      ))}
    </span>
  );
}
