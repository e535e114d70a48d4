// The kinds of artifact a run's record names, written by training and read by the CLI and the
// dashboard.

/** A text file with the grouped same-Z / independent-Z generations of the latent study. */
export const Z_SHEET_ARTIFACT_KIND = 'z-sheet';
