// Filled in by the evaluation issue.
export {};
