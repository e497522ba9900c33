// PaperboyPipeline: the one-shot job, from config file to sent mail, used by
// the CLI commands and by the daemon's services alike.
//
// Owns: reading the config file (ConfigFile) and everything it names
// (MailSetup: templates, DKIM key, link secrets and their warnings),
// credentials (Credential: the one lookup, file → environment →
// $CREDENTIALS_DIRECTORY, and its trimming), the one mapping of the smtp:
// section onto the transport (SMTPSettings+Config), feed ingestion (FeedIngestor), planning digests into the
// outbox (SelectionLoader, DigestPlanner), composing them (DigestComposer),
// delivering the outbox over SMTP (DeliveryRunner), the demo corpus, the
// version, the process clock (ProcessClock, `PAPERBOY_NOW`), and the one
// mapping from an error to its exit status (ExitStatus, HasExitStatus), used
// by every command and by `paperboy run`.
//
// Does not run forever: scheduling, HTTP endpoints, signals and metrics are
// PaperboyDaemon's.
