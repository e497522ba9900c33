/// A feed body that cannot be read as the source's type.
public struct FeedError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Code: String, Sendable {
        /// Not valid UTF-8.
        case invalidEncoding = "invalid-encoding"
        /// Not well-formed JSON.
        case malformedJSON = "malformed-json"
        /// Not well-formed XML, or refused by the XML parser (entity bombs).
        case malformedXML = "malformed-xml"
        /// Nested deeper than a feed ever is (a parser stack-exhaustion attempt).
        case tooDeep = "too-deep"
        /// Well-formed, but not the shape this source type expects.
        case unexpectedShape = "unexpected-shape"
    }

    public var code: Code
    /// What is wrong, and where.
    public var message: String
    /// What the operator can do about it.
    public var hint: String

    public init(code: Code, message: String, hint: String) {
        self.code = code
        self.message = message
        self.hint = hint
    }

    public var description: String {
        "\(message). \(hint)"
    }
}

/// What a parser made of one feed body.
public struct FeedParseResult: Sendable {
    /// The papers found, normalised.
    public var papers: [Paper]
    /// Entries left out, each with the reason ("entry 3: no title").
    public var skipped: [String]

    public init(papers: [Paper], skipped: [String] = []) {
        self.papers = papers
        self.skipped = skipped
    }
}

/// Inputs every parser needs besides the body.
public struct FeedContext: Sendable {
    /// The configured source name, recorded in each paper's `sources`.
    public var sourceName: String
    /// The time of the fetch: each paper's first-seen time.
    public var fetchedAt: Date

    public init(sourceName: String, fetchedAt: Date) {
        self.sourceName = sourceName
        self.fetchedAt = fetchedAt
    }
}

import Foundation

enum FeedBody {
    /// Decodes the body as UTF-8, or explains where it is not.
    static func utf8(_ body: [UInt8]) throws(FeedError) -> String {
        if let text = String(validating: body, as: UTF8.self) {
            return text
        }
        // Find the first bad byte for the message.
        var offset = 0
        var iterator = body.makeIterator()
        var decoder = UTF8()
        loop: while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar): offset += UTF8.width(scalar)
            case .emptyInput: break loop
            case .error: break loop
            }
        }
        throw FeedError(
            code: .invalidEncoding,
            message: "the response is not valid UTF-8 (first bad byte near offset \(offset))",
            hint: "The feed must be UTF-8; check the source's url points at the feed itself"
        )
    }
}
