// PaperboyStore: persistence, in one SQLite file through GRDB.
//
// Owns: the schema and its versioned migrations (StoreMigrations), papers
// with their full-text index, source fetch state, subscribers with their
// likes, the sent log (never the same paper twice), the outbox with its
// leases, retention, and `StoreError`, the one error type callers see.
//
// Callers get typed records; no GRDB type crosses this module's boundary.
// Policy (when to give up a message, what a pause says) belongs to the
// pipeline; the store records what it is told, each change one transaction.
