// Ctrl-C handling shared by the commands: the first SIGINT/SIGTERM asks the current work to stop
// cleanly (checkpoint, KILLED, resumable); later ones are acknowledged but do not kill the
// process half-way through writing a checkpoint.
export function onInterrupt(stop: () => void): () => void {
  let asked = false;
  const handler = () => {
    if (!asked) {
      asked = true;
      stop();
    } else {
      process.stderr.write('still stopping: waiting for the checkpoint to be written\n');
    }
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}
