import Yams

/// The operator's configuration, read from YAML.
///
/// ```yaml
/// database: /var/lib/paperboy/paperboy.sqlite
/// fetch:                      # optional
///   connect_timeout: 10s
///   timeout: 60s
///   max_response_bytes: 20MB
/// digest:                     # optional
///   max_papers: 10
///   schedule: daily 08:00 UTC
///   lookback: 7d
///   ranking: {relevance: 1, trending: 0.5, likes: 1, half_life: 3d, title_weight: 2}
/// sources:
///   - name: hf-daily
///     type: huggingface
///     url: https://huggingface.co/api/daily_papers
///     interval: 1h
/// ```
public struct PaperboyConfig: Sendable, Equatable {
    /// The SQLite database file (a relative path is relative to the config
    /// file's folder), or a PostgreSQL database as a `postgresql://` URL
    /// (`PostgresLocation`), checked when the config is read.
    public var database: String
    /// `database_password_file`: the PostgreSQL password's file (else
    /// `PAPERBOY_DATABASE_PASSWORD`, else the systemd credential `database-password`).
    public var databasePasswordFile: String?
    public var fetch: FetchSettings
    public var sources: [SourceConfig]
    public var digest: DigestSettings
    public var mail: MailSettings
    /// The mail server; nil when the config has no `smtp:` (then nothing can be sent, only previewed).
    public var smtp: SMTPConfig?
    /// `http.listen`, `http.admin_listen` and `shutdown_timeout`, for `paperboy run`.
    public var daemon = DaemonSettings()
    /// What the store keeps and for how long (`retention:`).
    public var retention = RetentionSettings()
    /// The reader's pages (`web:`).
    public var web = WebSettings()
    /// The return address and the bounce mailbox (`bounce:`).
    public var bounce = BounceSettings()

    public init(database: String, fetch: FetchSettings = FetchSettings(), sources: [SourceConfig], digest: DigestSettings = DigestSettings(), mail: MailSettings = MailSettings(), smtp: SMTPConfig? = nil) {
        self.database = database
        self.fetch = fetch
        self.sources = sources
        self.digest = digest
        self.mail = mail
        self.smtp = smtp
    }

    /// Parses and validates config text. `file` names the file in errors;
    /// relative paths are resolved against `baseDirectory`.
    public static func parse(_ text: String, file: String, baseDirectory: String? = nil) throws(ConfigError) -> PaperboyConfig {
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw ConfigError(file: file, key: "", message: "not valid YAML: \(describe(error))")
        } catch {
            throw ConfigError(file: file, key: "", message: "not valid YAML: \(error)")
        }
        guard let node else {
            throw ConfigError(file: file, key: "", message: "the file is empty; it needs at least database and sources (see deploy/paperboy.yaml)")
        }
        var top = try ConfigReader(node: node, file: file, path: "", allowed: Self.topLevelKeys)
        var database = try top.requiredString("database", what: "the path of the SQLite file, such as /var/lib/paperboy/paperboy.sqlite, or a postgresql:// URL")
        if PostgresLocation.isURL(database) {
            do {
                _ = try PostgresLocation(url: database)
            } catch {
                throw top.error("database", error.message)
            }
        } else if !database.hasPrefix("/"), database != ":memory:", let baseDirectory {
            database = baseDirectory.hasSuffix("/") ? baseDirectory + database : baseDirectory + "/" + database
        }
        let databasePasswordFile = try top.string("database_password_file").map { MailSettings.resolve($0, baseDirectory) }
        if databasePasswordFile != nil && !PostgresLocation.isURL(database) {
            throw top.error("database_password_file", "only a PostgreSQL database has a password; remove the key, or set database to a postgresql:// URL")
        }
        let fetch = try FetchSettings.read(try top.mapping("fetch", allowed: FetchSettings.keys))
        guard let sourceNodes = try top.sequence("sources") else {
            throw top.error("sources", "missing; list at least one source with name, type, url and interval")
        }
        if sourceNodes.isEmpty {
            throw top.error("sources", "the list is empty; add at least one source with name, type, url and interval")
        }
        var sources: [SourceConfig] = []
        for (index, sourceNode) in sourceNodes.enumerated() {
            let source = try SourceConfig.read(sourceNode, file: file, path: "sources[\(index)]")
            if sources.contains(where: { $0.name == source.name }) {
                throw ConfigError(file: file, key: "sources[\(index)].name", message: "\"\(source.name)\" is used by another source; names must be unique")
            }
            sources.append(source)
        }
        let digest = try DigestSettings.read(try top.mapping("digest", allowed: DigestSettings.keys))
        let mail = try MailSettings.read(&top, baseDirectory: baseDirectory)
        let smtp = try SMTPConfig.read(try top.mapping("smtp", allowed: SMTPConfig.keys), baseDirectory: baseDirectory)
        let daemon = try DaemonSettings.read(&top)
        let retention = try RetentionSettings.read(try top.mapping("retention", allowed: RetentionSettings.keys))
        let web = try WebSettings.read(try top.mapping("web", allowed: WebSettings.keys))
        let bounce = try BounceSettings.read(try top.mapping("bounce", allowed: BounceSettings.keys), baseDirectory: baseDirectory)
        try top.finish(allowed: Self.topLevelKeys)
        var config = PaperboyConfig(database: database, fetch: fetch, sources: sources, digest: digest, mail: mail, smtp: smtp)
        config.daemon = daemon
        config.retention = retention
        config.web = web
        config.bounce = bounce
        config.databasePasswordFile = databasePasswordFile
        return config
    }

    static let topLevelKeys = ["database", "database_password_file", "fetch", "sources", "digest"] + MailSettings.keys + ["smtp", "http", "shutdown_timeout"] + ["retention", "web", "bounce"]

    static func describe(_ error: YamlError) -> String {
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _):
            let where_ = "line \(mark.line), column \(mark.column)"
            return "\(problem)\(context.map { " \($0.text)" } ?? "") at \(where_)"
        default:
            return "\(error)"
        }
    }
}

/// How feeds are fetched.
public struct FetchSettings: Sendable, Equatable {
    /// Seconds to establish a connection (`fetch.connect_timeout`, default 10s).
    public var connectTimeout: Double = 10
    /// Seconds for a whole fetch (`fetch.timeout`, default 60s).
    public var timeout: Double = 60
    /// Largest response accepted (`fetch.max_response_bytes`, default 20MB).
    public var maxResponseBytes: Int = 20 * 1024 * 1024

    public init() {}

    static let keys = ["connect_timeout", "timeout", "max_response_bytes"]

    static func read(_ reader: ConfigReader?) throws(ConfigError) -> FetchSettings {
        var settings = FetchSettings()
        guard var reader else { return settings }
        if let value = try reader.duration("connect_timeout", in: 0.01...3600) { settings.connectTimeout = value }
        if let value = try reader.duration("timeout", in: 0.01...86400) { settings.timeout = value }
        if let value = try reader.byteSize("max_response_bytes", in: 1024...(1 << 30)) { settings.maxResponseBytes = value }
        try reader.finish(allowed: keys)
        return settings
    }
}

/// Defaults for every subscriber who did not choose otherwise.
public struct DigestSettings: Sendable, Equatable {
    /// Papers per digest (`digest.max_papers`, 1–100, default 10).
    public var maxPapers: Int = 10
    /// When digests go out (`digest.schedule`, default `daily 08:00 UTC`).
    public var schedule: Schedule = .standard
    /// Papers first seen this long before a digest are candidates (`digest.lookback`, default 7 days).
    public var lookback: Double = 7 * 86400
    /// How candidates are ordered (`digest.ranking`).
    public var ranking = RankingSettings()

    public init() {}

    static let keys = ["max_papers", "schedule", "lookback", "ranking"]

    static func read(_ reader: ConfigReader?) throws(ConfigError) -> DigestSettings {
        var settings = DigestSettings()
        guard var reader else { return settings }
        if let text = try reader.string("max_papers") {
            guard let value = Int(text), SubscriberValidation.maxPapersRange.contains(value) else {
                throw reader.error("max_papers", "\"\(text)\" is not allowed; use a whole number from 1 to 100")
            }
            settings.maxPapers = value
        }
        if let text = try reader.string("schedule") {
            do {
                settings.schedule = try Schedule.parse(text)
            } catch {
                throw reader.error("schedule", error.description)
            }
        }
        if let value = try reader.duration("lookback", in: 3600...(366 * 86400)) { settings.lookback = value }
        settings.ranking = try RankingSettings.read(try reader.mapping("ranking", allowed: RankingSettings.keys))
        try reader.finish(allowed: keys)
        return settings
    }
}

/// One feed to fetch.
public struct SourceConfig: Sendable, Equatable {
    /// A short unique name, used in logs, `fetch --source` and each paper's sources.
    public var name: String
    public var type: SourceType
    /// http, https or file URL of the feed.
    public var url: String
    /// Seconds between fetches when the daemon runs (default 1h).
    public var interval: Double

    public init(name: String, type: SourceType, url: String, interval: Double = 3600) {
        self.name = name
        self.type = type
        self.url = url
        self.interval = interval
    }

    static func read(_ node: Node, file: String, path: String) throws(ConfigError) -> SourceConfig {
        var reader = try ConfigReader(node: node, file: file, path: path, allowed: ["name", "type", "url", "interval"])
        let name = try reader.requiredString("name", what: "a short unique name such as hf-daily")
        guard name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." }) else {
            throw reader.error("name", "\"\(name)\" may only use letters, digits, '-', '_' and '.'")
        }
        let typeText = try reader.requiredString("type", what: "one of \(SourceType.allCases.map(\.rawValue).joined(separator: ", "))")
        guard let type = SourceType(rawValue: typeText) else {
            throw reader.error("type", "\"\(typeText)\" is not a source type; allowed: \(SourceType.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let url = try reader.requiredString("url", what: "the feed's http, https or file URL")
        // The scheme is checked where it matters, at fetch time (libcurl only
        // speaks http, https and file for feeds), so one bad url fails that
        // source alone and the others are still fetched.
        guard url.contains(":") else {
            throw reader.error("url", "\"\(url)\" is not a URL; use an http://, https:// or file:// URL")
        }
        let interval = try reader.duration("interval", in: 60...(30 * 86400)) ?? 3600
        try reader.finish(allowed: ["name", "type", "url", "interval"])
        return SourceConfig(name: name, type: type, url: url, interval: interval)
    }
}
