// Writing a file so that a reader (or a process killed midway) sees the old file or the new one,
// never half of it: a temporary file beside the target, fsync, then a rename over it. Every file
// ftlab writes for keeps (checkpoints, LATEST, results, exports) goes through here.
import { randomBytes } from 'node:crypto';
import { open, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Writes `content` to `path` atomically. On any failure the temporary file is removed and the
 * target is left as it was; a target that is a directory is refused with a message saying so.
 * `content` may come in pieces (an export streamed from the tracker): each is written as it comes,
 * and a failure of the source half-way is a failure like any other.
 */
export async function writeFileAtomic(
  path: string,
  content: string | Uint8Array | AsyncIterable<string | Uint8Array>,
): Promise<void> {
  const isDirectory = await stat(path).then(
    (s) => s.isDirectory(),
    () => false,
  );
  if (isDirectory) throw new Error(`cannot write ${path}: it is a directory; give a file name inside it`);
  const temp = join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    const handle = await open(temp, 'w');
    try {
      // writeFile on a handle writes all of it from the current position: the pieces follow each other.
      if (typeof content === 'string' || content instanceof Uint8Array) await handle.writeFile(content);
      else for await (const piece of content) await handle.writeFile(piece);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    // The system's message names the hidden temporary file; say which file could not be written.
    const code = (error as NodeJS.ErrnoException).code;
    throw new Error(`cannot write ${path}: ${code ?? (error as Error).message}`, { cause: error });
  }
}
