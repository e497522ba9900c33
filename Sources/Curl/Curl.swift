// Curl: the one Swift module that talks to libcurl (through CCurl and the
// non-variadic shims in CCurlShims).
//
// Owns: easy handles and their errors (CurlError), HTTP fetching with its
// limits and the redirect guard (AddressClass, URLOrigin), and the SMTP
// transport: connections kept open across messages, settings, envelopes,
// the classification of SMTP failures (permanent, temporary), the
// connection check `paperboy check` runs, and StopFlag (what a transfer's
// shouldStop reads); the return mailbox over IMAP and POP3 (ReturnMailbox,
// MailboxSettings, MailboxError: list, fetch without touching \Seen, move
// to the processed folder or flag, never delete).
//
// Knows nothing of papers, subscribers or the store.
