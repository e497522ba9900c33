import Curl
import Foundation
import Logging
import PaperboyCore
import PaperboyStore

/// The outcome of fetching one source.
public struct SourceReport: Sendable {
    public enum Outcome: Sendable {
        /// A new body: how many papers it held and what storing them did.
        case fetched(papers: Int, counts: IngestCounts, skipped: [String])
        /// HTTP 304: the feed has not changed since the last fetch.
        case notModified
        /// The fetch or the parse failed; nothing was stored for this source.
        case failed(String)
    }

    public var source: String
    public var outcome: Outcome

    public var succeeded: Bool {
        if case .failed = outcome { return false }
        return true
    }

    /// One line for the terminal or the journal.
    public var line: String {
        switch outcome {
        case .fetched(let papers, let counts, let skipped):
            var text = "\(source): fetched \(papers), new \(counts.new), updated \(counts.updated), unchanged \(counts.unchanged)"
            if !skipped.isEmpty {
                text += ", skipped \(skipped.count) (\(skipped.prefix(3).joined(separator: "; "))\(skipped.count > 3 ? "; ..." : ""))"
            }
            return text
        case .notModified:
            return "\(source): unchanged (HTTP 304 Not Modified)"
        case .failed(let message):
            return "\(source): error: \(message)"
        }
    }
}

/// Fetches a source through libcurl, parses it, and stores the papers.
///
/// A source's failure (transfer, HTTP status, parse) leaves the store
/// untouched for it and is returned as a report: one bad feed never stops
/// the others.
public struct FeedIngestor: Sendable {
    public let store: Store
    public let settings: FetchSettings
    public let logger: Logger
    public let now: @Sendable () -> Date

    public init(store: Store, settings: FetchSettings, logger: Logger, now: @escaping @Sendable () -> Date) {
        self.store = store
        self.settings = settings
        self.logger = logger
        self.now = now
    }

    /// Fetches every source in order and reports each.
    public func ingest(_ sources: [SourceConfig]) -> [SourceReport] {
        sources.map(ingest)
    }

    public func ingest(_ source: SourceConfig) -> SourceReport {
        var logger = logger
        logger[metadataKey: "source.name"] = "\(source.name)"
        logger[metadataKey: "source.url"] = "\(CredentialRedaction.redactingURLCredentials(in: source.url))"
        let started = now()
        do {
            let previous = try store.sourceState(source.name) ?? SourceState(name: source.name)
            // Counted as a failure until it succeeds, even if the process dies mid-fetch.
            try store.recordFetchAttempt(source: source.name, at: started)
            let fetcher = HTTPFetcher(options: HTTPFetchOptions(
                connectTimeout: settings.connectTimeout,
                totalTimeout: settings.timeout,
                maxResponseBytes: settings.maxResponseBytes,
                userAgent: "paperboy/\(PaperboyVersion.current)"
            ))
            // Validators belong to the URL they came from; a changed url starts afresh.
            let validators = previous.url == source.url
                ? HTTPValidators(etag: previous.etag, lastModified: previous.lastModified)
                : HTTPValidators()
            let result = try fetcher.fetch(source.url, validators: validators)
            switch result {
            case .notModified:
                try store.recordNotModified(source: source.name, at: started)
                logger.info("source not modified")
                return SourceReport(source: source.name, outcome: .notModified)
            case .fetched(let body, _, let validators, _):
                let parsed = try source.type.parse(body, context: FeedContext(sourceName: source.name, fetchedAt: started))
                let state = SourceState(name: source.name, url: source.url, etag: validators.etag, lastModified: validators.lastModified)
                let counts = try store.ingest(parsed.papers, source: state, at: started)
                logger.info("source fetched", metadata: [
                    "papers.count": "\(parsed.papers.count)", "papers.new": "\(counts.new)",
                    "papers.updated": "\(counts.updated)", "papers.skipped": "\(parsed.skipped.count)",
                ])
                for reason in parsed.skipped {
                    logger.warning("feed entry skipped", metadata: ["entry.reason": "\(reason)"])
                }
                return SourceReport(source: source.name, outcome: .fetched(papers: parsed.papers.count, counts: counts, skipped: parsed.skipped))
            }
        } catch {
            let message = FeedIngestor.describe(error, url: source.url)
            // A warning, not an error: the report carries the message (`fetch`
            // prints it once), and a source's failure is retried or reported per run.
            logger.warning("source failed", metadata: ["error": "\(message)"])
            return SourceReport(source: source.name, outcome: .failed(message))
        }
    }

    /// The one line a failure is told by (`fetch`'s output, the log, and
    /// `/healthz`), with any credentials in a URL hidden.
    static func describe(_ error: any Error, url: String) -> String {
        let text: String
        switch error {
        case let error as FeedError: text = "\(url): \(error)"
        default: text = "\(error)"
        }
        return CredentialRedaction.redactingURLCredentials(in: text)
    }
}
