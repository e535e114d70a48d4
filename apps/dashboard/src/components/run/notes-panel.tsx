import type { Note } from '@ftlab/tracker';
import { formatTime } from '../../lib/format';
import { Tags } from '../tags';

/** Notes and tags, always shown as text: whatever a note contains, it is never markup. */
export function NotesPanel({ notes, tags }: { notes: Note[]; tags: Record<string, string> }) {
  return (
    <div className="panel" data-testid="notes">
      <h2>Notes and tags</h2>
      {Object.keys(tags).length > 0 ? (
        <div style={{ marginBottom: 8 }}>
          <Tags tags={tags} />
        </div>
      ) : (
        <p className="muted small">No tags.</p>
      )}
      {notes.length === 0 ? (
        <p className="muted small">No notes.</p>
      ) : (
        notes.map((note) => (
          <div key={note.id} style={{ marginBottom: 8 }} data-testid="note">
            <div className="small faint">
              {note.author ?? 'anonymous'} · {formatTime(note.createdAt)}
            </div>
            <div style={{ whiteSpace: 'pre-wrap' }}>{note.text}</div>
          </div>
        ))
      )}
    </div>
  );
}
