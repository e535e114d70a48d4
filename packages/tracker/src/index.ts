// Filled in by the tracker issue.
export {};
