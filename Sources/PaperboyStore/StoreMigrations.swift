internal import GRDB

/// The schema, one migration per version. Never edit a shipped migration:
/// add a new one.
enum StoreMigrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()

        migrator.registerMigration("v1-papers") { db in
            try db.create(table: "paper") { t in
                t.primaryKey("id", .text)
                t.column("version", .integer)
                t.column("title", .text).notNull()
                t.column("abstract", .text).notNull()
                t.column("authors", .text).notNull()          // JSON array
                t.column("categories", .text).notNull()       // JSON array, primary first
                t.column("published_at", .double)             // Unix seconds
                t.column("first_seen_at", .double).notNull()  // Unix seconds
                t.column("updated_at", .double).notNull()     // Unix seconds, last change of any field
                t.column("upvotes", .integer)
                t.column("comments", .integer)
                t.column("abstract_url", .text)
                t.column("pdf_url", .text)
                t.column("code_url", .text)
                t.column("project_url", .text)
                t.column("ai_summary", .text)
                t.column("ai_keywords", .text).notNull()      // JSON array
                t.column("sources", .text).notNull()          // JSON array of source names
            }
            try db.create(index: "paper_first_seen", on: "paper", columns: ["first_seen_at"])

            // Full-text index over title, abstract and authors, kept in step
            // with `paper` by triggers. Porter stemming over unicode61 with
            // diacritics removed: "distill" finds "distillation", "Muller" finds "Müller".
            try db.create(virtualTable: "paper_fts", using: FTS5()) { t in
                t.synchronize(withTable: "paper")
                t.tokenizer = .porter(wrapping: .unicode61(diacritics: .remove))
                t.column("title")
                t.column("abstract")
                t.column("authors")
            }

            try db.create(table: "source_state") { t in
                t.primaryKey("name", .text)
                t.column("etag", .text)
                t.column("last_modified", .text)
                t.column("last_fetched_at", .double)   // last fetch that worked (200 or 304)
                t.column("last_changed_at", .double)   // last 200 with a new body
            }
        }
        migrator.registerMigration("v2-subscribers") { db in
            try db.create(table: "subscriber") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("email", .text).notNull().unique()   // local part as given, domain lower-cased
                t.column("name", .text)
                t.column("query", .text)
                t.column("categories", .text).notNull()       // JSON array
                t.column("authors", .text).notNull()          // JSON array
                t.column("min_upvotes", .integer).notNull()
                t.column("max_papers", .integer)              // NULL: digest.max_papers
                t.column("schedule", .text)                   // NULL: digest.schedule
                t.column("format", .text).notNull()
                t.column("paused", .boolean).notNull()
                t.column("paused_reason", .text)
                t.column("unsubscribed_at", .double)          // Unix seconds
                t.column("created_at", .double).notNull()
                t.column("updated_at", .double).notNull()
            }
        }
        migrator.registerMigration("v3-likes-and-sent-papers") { db in
            try db.alter(table: "subscriber") { t in
                t.add(column: "likes", .text).notNull().defaults(to: "[]")   // JSON array of paper ids
            }
            // Every paper ever sent to a subscriber, by canonical id, so no
            // paper (in any version, from any source) is sent to them twice.
            try db.create(table: "sent_paper") { t in
                t.column("subscriber_id", .integer).notNull()
                    .references("subscriber", onDelete: .cascade)
                t.column("paper_id", .text).notNull()
                t.column("sent_at", .double).notNull()   // Unix seconds: when the digest was planned
                t.primaryKey(["subscriber_id", "paper_id"])
            }
            try db.create(index: "sent_paper_time", on: "sent_paper", columns: ["sent_at"])
        }
        migrator.registerMigration("v4-source-url") { db in
            // The URL the validators belong to: after the operator changes a
            // source's url, the old ETag must not be sent to the new one.
            try db.alter(table: "source_state") { t in t.add(column: "url", .text) }
        }
        migrator.registerMigration("v5-outbox") { db in
            // One row per subscriber and schedule period: the rendered message
            // and its delivery state. UNIQUE(subscriber_id, period_key) is what
            // makes planning a period twice impossible.
            try db.create(table: "outbox") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("subscriber_id", .integer).notNull().references("subscriber", onDelete: .cascade)
                t.column("period_key", .text).notNull()
                t.column("recipient", .text).notNull()
                t.column("sender", .text).notNull()
                t.column("subject", .text).notNull()
                t.column("message_id", .text).notNull()
                t.column("message", .blob).notNull()
                t.column("paper_ids", .text).notNull()            // JSON array
                t.column("state", .text).notNull()                // queued, sending, sent, deferred, failed, cancelled
                t.column("attempts", .integer).notNull().defaults(to: 0)
                t.column("planned_at", .double).notNull()
                t.column("next_attempt_at", .double).notNull()
                t.column("last_reply", .text)
                t.column("claimed_by", .text)                     // host:pid of the sender holding it
                t.column("lease_until", .double)
                t.column("finished_at", .double)
                t.uniqueKey(["subscriber_id", "period_key"])
            }
            try db.create(index: "outbox_due", on: "outbox", columns: ["state", "next_attempt_at"])
            try db.create(index: "outbox_period", on: "outbox", columns: ["period_key"])
            try db.alter(table: "subscriber") { t in
                t.add(column: "hard_failures", .integer).notNull().defaults(to: 0)  // consecutive permanent failures
            }
        }
        // v6: counters that every change to a subscriber, and to a paper, bumps
        // (kept by triggers), so the daemon's scheduler can tell in one read
        // that nothing changed since its last tick (and skip re-reading
        // 100,000 subscribers every minute). A subscriber's hard_failures
        // count alone (the sender's bookkeeping) does not count as a change.
        migrator.registerMigration("v6-change-counters") { db in
            let subscriberColumns = "email, name, query, categories, authors, min_upvotes, max_papers, schedule, format, paused, "
                + "paused_reason, unsubscribed_at, created_at, updated_at, likes"
            try db.execute(sql: """
                CREATE TABLE change_counter (name TEXT PRIMARY KEY NOT NULL, value INTEGER NOT NULL);
                INSERT INTO change_counter (name, value) VALUES ('subscriber', 0), ('paper', 0);
                CREATE TRIGGER subscriber_inserted AFTER INSERT ON subscriber
                    BEGIN UPDATE change_counter SET value = value + 1 WHERE name = 'subscriber'; END;
                CREATE TRIGGER subscriber_updated AFTER UPDATE OF \(subscriberColumns) ON subscriber
                    BEGIN UPDATE change_counter SET value = value + 1 WHERE name = 'subscriber'; END;
                CREATE TRIGGER subscriber_deleted AFTER DELETE ON subscriber
                    BEGIN UPDATE change_counter SET value = value + 1 WHERE name = 'subscriber'; END;
                CREATE TRIGGER paper_inserted AFTER INSERT ON paper
                    BEGIN UPDATE change_counter SET value = value + 1 WHERE name = 'paper'; END;
                CREATE TRIGGER paper_updated AFTER UPDATE ON paper
                    BEGIN UPDATE change_counter SET value = value + 1 WHERE name = 'paper'; END;
                CREATE TRIGGER paper_deleted AFTER DELETE ON paper
                    BEGIN UPDATE change_counter SET value = value + 1 WHERE name = 'paper'; END;
                """)
        }
        // v7: each source's last fetch attempt and consecutive failures, so a
        // restart keeps the fetch back-off. An attempt counts as a failure
        // from the moment it starts until it succeeds: a crash mid-fetch
        // counts too.
        migrator.registerMigration("v7-fetch-attempts") { db in
            try db.alter(table: "source_state") { t in
                t.add(column: "last_attempt_at", .double)  // when the last fetch started
                t.add(column: "consecutive_failures", .integer).notNull().defaults(to: 0)
            }
        }
        // v8: the outbox's row count per state, kept by triggers, so /healthz
        // and /metrics read six numbers instead of counting millions of rows;
        // and an index on when rows finished, for pruning by age.
        migrator.registerMigration("v8-outbox-counts") { db in
            let states = OutboxState.allCases.map { "('\($0.rawValue)')" }.joined(separator: ", ")
            try db.execute(sql: """
                CREATE TABLE outbox_state_count (state TEXT PRIMARY KEY NOT NULL, count INTEGER NOT NULL);
                INSERT INTO outbox_state_count (state, count) SELECT state, count(*) FROM outbox GROUP BY state;
                INSERT OR IGNORE INTO outbox_state_count (state, count) SELECT column1, 0 FROM (VALUES \(states));
                CREATE TRIGGER outbox_state_inserted AFTER INSERT ON outbox BEGIN
                    INSERT OR IGNORE INTO outbox_state_count (state, count) VALUES (NEW.state, 0);
                    UPDATE outbox_state_count SET count = count + 1 WHERE state = NEW.state;
                END;
                CREATE TRIGGER outbox_state_updated AFTER UPDATE OF state ON outbox WHEN OLD.state IS NOT NEW.state BEGIN
                    UPDATE outbox_state_count SET count = count - 1 WHERE state = OLD.state;
                    INSERT OR IGNORE INTO outbox_state_count (state, count) VALUES (NEW.state, 0);
                    UPDATE outbox_state_count SET count = count + 1 WHERE state = NEW.state;
                END;
                CREATE TRIGGER outbox_state_deleted AFTER DELETE ON outbox BEGIN
                    UPDATE outbox_state_count SET count = count - 1 WHERE state = OLD.state;
                END;
                CREATE INDEX outbox_finished ON outbox (finished_at) WHERE finished_at IS NOT NULL;
                """)
        }
        // v9: how far back the sent log was pruned, so a paper first seen
        // before then (its sends forgotten) is never a candidate again, even
        // after digest.lookback grows.
        migrator.registerMigration("v9-sent-log-horizon") { db in
            try db.execute(sql: "CREATE TABLE prune_horizon (log TEXT PRIMARY KEY NOT NULL, pruned_before REAL NOT NULL)")
        }
        // v10: the reader's side. A subscriber's origin (operator, import,
        // web), their pending subscribe-page request (double opt-in) and its
        // confirmation, the settings that request asks for (applied only when
        // confirmed), and their "Not for me" papers; an outbox row's kind
        // (a digest, or a confirmation or "manage your subscription" mail,
        // which go out to pending and unsubscribed addresses too). The change
        // trigger is remade to cover the new columns.
        migrator.registerMigration("v10-reader-side") { db in
            try db.alter(table: "subscriber") { t in
                t.add(column: "origin", .text).notNull().defaults(to: "operator")    // operator, import, web (SubscriptionOrigin)
                t.add(column: "pending_since", .double)
                t.add(column: "confirmed_at", .double)
                t.add(column: "dislikes", .text).notNull().defaults(to: "[]")
                t.add(column: "requested", .text)   // the pending request's settings, a subscriber-file entry (Subscriber.requested)
            }
            try db.alter(table: "outbox") { t in
                t.add(column: "kind", .text).notNull().defaults(to: "digest")
            }
            let subscriberColumns = "email, name, query, categories, authors, min_upvotes, max_papers, schedule, format, paused, "
                + "paused_reason, unsubscribed_at, created_at, updated_at, likes, origin, pending_since, confirmed_at, dislikes, requested"
            try db.execute(sql: """
                DROP TRIGGER subscriber_updated;
                CREATE TRIGGER subscriber_updated AFTER UPDATE OF \(subscriberColumns) ON subscriber
                    BEGIN UPDATE change_counter SET value = value + 1 WHERE name = 'subscriber'; END;
                CREATE INDEX subscriber_pending ON subscriber (pending_since) WHERE pending_since IS NOT NULL;
                """)
        }
        // v11: message bodies in a table of their own. In the outbox row, the
        // 20-30 KB body sat before the state columns: every claim, every
        // recorded outcome and every count read through its overflow pages,
        // and every change of state rewrote it. A body is now written once,
        // read once when claimed, and deleted by retention; the row that
        // changes is a few hundred bytes.
        migrator.registerMigration("v11-outbox-body") { db in
            try db.execute(sql: """
                CREATE TABLE outbox_body (
                    outbox_id INTEGER PRIMARY KEY NOT NULL REFERENCES outbox(id) ON DELETE CASCADE,
                    message BLOB NOT NULL
                );
                INSERT INTO outbox_body (outbox_id, message) SELECT id, message FROM outbox WHERE length(message) > 0;
                ALTER TABLE outbox DROP COLUMN message;
                """)
        }
        // v12: every message read from the return mailbox (bounces,
        // complaints, mailed unsubscribe requests), once: UNIQUE(message_key)
        // and UNIQUE(content_hash) are what make a message apply at most
        // once, across restarts, a kill -9 between recording it and moving it
        // in the mailbox, and a mailbox whose keys change (a new UIDVALIDITY,
        // a POP3 maildrop moved to another server). Kept
        // when the subscriber is removed (subscriber_id set to NULL) and when
        // the outbox row is pruned (outbox_id is no reference).
        migrator.registerMigration("v12-bounces") { db in
            try db.execute(sql: """
                CREATE TABLE bounce (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    message_key TEXT NOT NULL UNIQUE,      -- the mailbox's identity of the message (ReturnMailbox's key)
                    content_hash TEXT UNIQUE,              -- SHA-256 of its bytes, hex; NULL when it could not be read
                    processed_at REAL NOT NULL,            -- Unix seconds
                    kind TEXT NOT NULL,                    -- BounceKind
                    subscriber_id INTEGER REFERENCES subscriber(id) ON DELETE SET NULL,
                    outbox_id INTEGER,                     -- the row the return path names
                    address TEXT,                          -- the first address the message reports
                    status TEXT,
                    diagnostic TEXT,
                    outcome TEXT NOT NULL,                 -- BounceOutcome: what it did to the subscriber
                    disposition TEXT NOT NULL,             -- BounceDisposition: what becomes of it in the mailbox
                    note TEXT NOT NULL,
                    message_id TEXT                        -- the message's own Message-ID, for finding it in the mailbox
                );
                CREATE INDEX bounce_subscriber ON bounce (subscriber_id, processed_at);
                CREATE INDEX bounce_time ON bounce (processed_at);
                -- A report names an address in any case: found without reading every subscriber.
                CREATE INDEX subscriber_email_lower ON subscriber (lower(email));
                """)
        }
        // v13: leases on work that one Paperboy does at a time when several
        // share a database (PostgreSQL): planning a tick, fetching a source.
        // A lease names its holder (host:pid) and runs out at `until`, so an
        // instance that dies holds nothing for long.
        migrator.registerMigration("v13-leases") { db in
            try db.execute(sql: "CREATE TABLE lease (name TEXT PRIMARY KEY NOT NULL, holder TEXT NOT NULL, until REAL NOT NULL)")
        }
        return migrator
    }
}
