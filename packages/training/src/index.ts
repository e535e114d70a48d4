// Filled in by the training issue.
export {};
