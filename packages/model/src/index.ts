// Filled in by the model issue.
export {};
