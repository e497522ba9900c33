/// The schema in PostgreSQL's dialect: the same versions, under the same
/// names, as SQLite's (`StoreMigrations`), so a store is at "v12-bounces"
/// in either engine. Never edit a shipped migration: add a new one to both.
///
/// Column types map SQLite's storage classes one to one, so every query
/// of the store reads the same in both: integers and flags are `bigint`
/// (flags 0 or 1), Unix seconds `double precision`, JSON arrays `text`,
/// bodies `bytea`. Where SQLite has FTS5, PostgreSQL has a generated
/// `tsvector` column (english configuration with accents folded,
/// `paperboy_english`) with a GIN index. The outbox
/// counts per state are not kept by triggers here: with several senders
/// at once, rows changing state in different orders would deadlock on the
/// counter rows; `outboxCounts` counts by scan instead. (The change
/// counters stay: they move only when a subscriber's settings or a paper
/// change, never on a sender's path, except a pause after failures.)
enum PostgresMigrations {
    /// Applies every migration not yet applied, in one transaction, under
    /// an advisory lock: several Paperboys may start at once.
    static func migrate(_ engine: PostgresEngine) throws {
        try engine.transaction(readOnly: false) { db in
            try db.execute(sql: "SELECT pg_advisory_xact_lock(7262707362) ")
            try db.execute(sql: "CREATE TABLE IF NOT EXISTS schema_migration (identifier text PRIMARY KEY)")
            let done = Set(try db.column(String.self, sql: "SELECT identifier FROM schema_migration"))
            for (identifier, statements) in all where !done.contains(identifier) {
                for statement in statements {
                    try db.execute(sql: statement)
                }
                try db.execute(sql: "INSERT INTO schema_migration (identifier) VALUES (?)", arguments: [identifier])
            }
        }
    }

    /// How many migrations the database has not had (all of them when it is empty).
    static func due(_ engine: PostgresEngine) throws -> Int {
        try engine.transaction(readOnly: true) { try due($0) }
    }

    static func due(_ db: any SQLConnection) throws -> Int {
        let hasTable = try db.scalar(Bool.self, sql: "SELECT to_regclass('schema_migration') IS NOT NULL") ?? false
        let done = hasTable ? Set(try db.column(String.self, sql: "SELECT identifier FROM schema_migration")) : []
        return all.filter { !done.contains($0.0) }.count
    }

    static let subscriberColumnsV6 = "email, name, query, categories, authors, min_upvotes, max_papers, schedule, format, paused, "
        + "paused_reason, unsubscribed_at, created_at, updated_at, likes"
    static let subscriberColumnsV10 = subscriberColumnsV6 + ", origin, pending_since, confirmed_at, dislikes, requested"

    static let all: [(String, [String])] = [
        ("v1-papers", [
            // PostgreSQL's english configuration, with accents folded first
            // (unaccent, a trusted extension the database's owner may create),
            // as SQLite's unicode61 tokenizer does: "Muller" finds "Müller".
            "CREATE EXTENSION IF NOT EXISTS unaccent",
            "CREATE TEXT SEARCH CONFIGURATION paperboy_english (COPY = english)",
            "ALTER TEXT SEARCH CONFIGURATION paperboy_english ALTER MAPPING FOR hword, hword_part, word WITH unaccent, english_stem",
            """
            CREATE TABLE paper (
                id text PRIMARY KEY,
                version bigint,
                title text NOT NULL,
                abstract text NOT NULL,
                authors text NOT NULL,
                categories text NOT NULL,
                published_at double precision,
                first_seen_at double precision NOT NULL,
                updated_at double precision NOT NULL,
                upvotes bigint,
                comments bigint,
                abstract_url text,
                pdf_url text,
                code_url text,
                project_url text,
                ai_summary text,
                ai_keywords text NOT NULL,
                sources text NOT NULL,
                search tsvector GENERATED ALWAYS AS (
                    setweight(to_tsvector('paperboy_english'::regconfig, title), 'A')
                    || to_tsvector('paperboy_english'::regconfig, abstract)
                    || to_tsvector('paperboy_english'::regconfig, authors)) STORED
            )
            """,
            "CREATE INDEX paper_first_seen ON paper (first_seen_at)",
            "CREATE INDEX paper_search ON paper USING gin (search)",
            """
            CREATE TABLE source_state (
                name text PRIMARY KEY,
                etag text,
                last_modified text,
                last_fetched_at double precision,
                last_changed_at double precision
            )
            """,
        ]),
        ("v2-subscribers", [
            """
            CREATE TABLE subscriber (
                id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
                email text NOT NULL UNIQUE,
                name text,
                query text,
                categories text NOT NULL,
                authors text NOT NULL,
                min_upvotes bigint NOT NULL,
                max_papers bigint,
                schedule text,
                format text NOT NULL,
                paused bigint NOT NULL,
                paused_reason text,
                unsubscribed_at double precision,
                created_at double precision NOT NULL,
                updated_at double precision NOT NULL
            )
            """,
        ]),
        ("v3-likes-and-sent-papers", [
            "ALTER TABLE subscriber ADD COLUMN likes text NOT NULL DEFAULT '[]'",
            """
            CREATE TABLE sent_paper (
                subscriber_id bigint NOT NULL REFERENCES subscriber(id) ON DELETE CASCADE,
                paper_id text NOT NULL,
                sent_at double precision NOT NULL,
                PRIMARY KEY (subscriber_id, paper_id)
            )
            """,
            "CREATE INDEX sent_paper_time ON sent_paper (sent_at)",
        ]),
        ("v4-source-url", [
            "ALTER TABLE source_state ADD COLUMN url text",
        ]),
        ("v5-outbox", [
            """
            CREATE TABLE outbox (
                id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
                subscriber_id bigint NOT NULL REFERENCES subscriber(id) ON DELETE CASCADE,
                period_key text NOT NULL,
                recipient text NOT NULL,
                sender text NOT NULL,
                subject text NOT NULL,
                message_id text NOT NULL,
                message bytea NOT NULL,
                paper_ids text NOT NULL,
                state text NOT NULL,
                attempts bigint NOT NULL DEFAULT 0,
                planned_at double precision NOT NULL,
                next_attempt_at double precision NOT NULL,
                last_reply text,
                claimed_by text,
                lease_until double precision,
                finished_at double precision,
                UNIQUE (subscriber_id, period_key)
            )
            """,
            "CREATE INDEX outbox_due ON outbox (state, next_attempt_at)",
            "CREATE INDEX outbox_period ON outbox (period_key)",
            "ALTER TABLE subscriber ADD COLUMN hard_failures bigint NOT NULL DEFAULT 0",
        ]),
        ("v6-change-counters", [
            "CREATE TABLE change_counter (name text PRIMARY KEY, value bigint NOT NULL)",
            "INSERT INTO change_counter (name, value) VALUES ('subscriber', 0), ('paper', 0)",
            """
            CREATE FUNCTION bump_change_counter() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN UPDATE change_counter SET value = value + 1 WHERE name = TG_ARGV[0]; RETURN NULL; END $$
            """,
            """
            CREATE FUNCTION bump_change_counter_if_any() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF EXISTS (SELECT 1 FROM changed) THEN
                    UPDATE change_counter SET value = value + 1 WHERE name = TG_ARGV[0];
                END IF;
                RETURN NULL;
            END $$
            """,
            // As SQLite's triggers: a change only when rows changed (an update
            // that matches no row bumps nothing, and takes no lock on the
            // counter). Inserts and deletes once per statement that touched
            // rows (an import of 100,000 bumps once); subscriber updates per
            // row, since PostgreSQL has no transition table with a column list.
            "CREATE TRIGGER subscriber_inserted AFTER INSERT ON subscriber REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION bump_change_counter_if_any('subscriber')",
            "CREATE TRIGGER subscriber_updated AFTER UPDATE OF \(subscriberColumnsV6) ON subscriber FOR EACH ROW EXECUTE FUNCTION bump_change_counter('subscriber')",
            "CREATE TRIGGER subscriber_deleted AFTER DELETE ON subscriber REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION bump_change_counter_if_any('subscriber')",
            "CREATE TRIGGER paper_inserted AFTER INSERT ON paper REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION bump_change_counter_if_any('paper')",
            "CREATE TRIGGER paper_updated AFTER UPDATE ON paper REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION bump_change_counter_if_any('paper')",
            "CREATE TRIGGER paper_deleted AFTER DELETE ON paper REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION bump_change_counter_if_any('paper')",
        ]),
        ("v7-fetch-attempts", [
            "ALTER TABLE source_state ADD COLUMN last_attempt_at double precision",
            "ALTER TABLE source_state ADD COLUMN consecutive_failures bigint NOT NULL DEFAULT 0",
        ]),
        ("v8-outbox-counts", [
            // Kept for the same schema in both engines; not maintained here (see above).
            "CREATE TABLE outbox_state_count (state text PRIMARY KEY, count bigint NOT NULL)",
            "CREATE INDEX outbox_finished ON outbox (finished_at) WHERE finished_at IS NOT NULL",
        ]),
        ("v9-sent-log-horizon", [
            "CREATE TABLE prune_horizon (log text PRIMARY KEY, pruned_before double precision NOT NULL)",
        ]),
        ("v10-reader-side", [
            "ALTER TABLE subscriber ADD COLUMN origin text NOT NULL DEFAULT 'operator'",
            "ALTER TABLE subscriber ADD COLUMN pending_since double precision",
            "ALTER TABLE subscriber ADD COLUMN confirmed_at double precision",
            "ALTER TABLE subscriber ADD COLUMN dislikes text NOT NULL DEFAULT '[]'",
            "ALTER TABLE subscriber ADD COLUMN requested text",
            "ALTER TABLE outbox ADD COLUMN kind text NOT NULL DEFAULT 'digest'",
            "DROP TRIGGER subscriber_updated ON subscriber",
            "CREATE TRIGGER subscriber_updated AFTER UPDATE OF \(subscriberColumnsV10) ON subscriber FOR EACH ROW EXECUTE FUNCTION bump_change_counter('subscriber')",
            "CREATE INDEX subscriber_pending ON subscriber (pending_since) WHERE pending_since IS NOT NULL",
        ]),
        ("v11-outbox-body", [
            """
            CREATE TABLE outbox_body (
                outbox_id bigint PRIMARY KEY REFERENCES outbox(id) ON DELETE CASCADE,
                message bytea NOT NULL
            )
            """,
            // Bodies are written once and read once: stored out of line but not
            // compressed (compressing a 30 KB body on write and inflating it on
            // read cost more than the bytes saved).
            "ALTER TABLE outbox_body ALTER COLUMN message SET STORAGE EXTERNAL",
            "INSERT INTO outbox_body (outbox_id, message) SELECT id, message FROM outbox WHERE length(message) > 0",
            "ALTER TABLE outbox DROP COLUMN message",
        ]),
        ("v12-bounces", [
            """
            CREATE TABLE bounce (
                id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
                message_key text NOT NULL UNIQUE,
                content_hash text UNIQUE,
                processed_at double precision NOT NULL,
                kind text NOT NULL,
                subscriber_id bigint REFERENCES subscriber(id) ON DELETE SET NULL,
                outbox_id bigint,
                address text,
                status text,
                diagnostic text,
                outcome text NOT NULL,
                disposition text NOT NULL,
                note text NOT NULL,
                message_id text
            )
            """,
            "CREATE INDEX bounce_subscriber ON bounce (subscriber_id, processed_at)",
            "CREATE INDEX bounce_time ON bounce (processed_at)",
            "CREATE INDEX subscriber_email_lower ON subscriber (lower(email))",
        ]),
        ("v13-leases", [
            "CREATE TABLE lease (name text PRIMARY KEY, holder text NOT NULL, until double precision NOT NULL)",
        ]),
    ]
}
