// PaperboyCore: the rules of the product, as pure values and functions.
//
// Owns: the models (Paper, Subscriber, preferences, schedules), the feed
// parsers (Hugging Face JSON, arXiv Atom/RSS, their shape check), the config
// model and its reader (every key, default and error wording), the query
// language, selection and ranking, the Mustache rendering of digests, link
// tokens, MIME composition with DKIM signing, and reading what comes back
// to the return mailbox (Bounces/: bounces, complaints, mailed
// unsubscribes, auto-replies). One owner each for: every
// date format (DateFormats), the outbox period key (PeriodKey), the
// Message-ID (MessageID), the SMTP TLS mode (SMTPConfig.TLSMode).
//
// Does no I/O: no files, no network, no database, no clock (every "now" is a
// parameter). Depends on Yams, swift-crypto and swift-mustache only.
// The map of all modules is ARCHITECTURE.md.
