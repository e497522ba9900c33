import Foundation
import Hummingbird
import NIOCore

/// A posted `application/x-www-form-urlencoded` body, capped at
/// `WebSettings.maxBodyBytes`: each field's values in order.
struct FormBody: Sendable {
    var fields: [String: [String]] = [:]

    /// The body was longer than the cap allows (answered with 413).
    struct TooLarge: Error {}

    /// Reads `request`'s body, refusing one longer than `limit` bytes
    /// (by its Content-Length, or while reading).
    static func read(_ request: Request, limit: Int) async throws -> FormBody {
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limit { throw TooLarge() }
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: limit)
        } catch is NIOTooManyBytesError {
            throw TooLarge()
        }
        return parse(String(buffer: buffer))
    }

    /// Parses `a=1&b=x+y`: `+` is a space, then percent-decoding; a field
    /// that does not decode is dropped.
    static func parse(_ text: String) -> FormBody {
        var form = FormBody()
        for pair in text.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ part: Substring) -> String? { part.replacingOccurrences(of: "+", with: " ").removingPercentEncoding }
            guard let name = decode(parts[0]), let value = parts.count > 1 ? decode(parts[1]) : "" else { continue }
            form.fields[name, default: []].append(value)
        }
        return form
    }

    /// The field's first value, or "".
    subscript(_ name: String) -> String { fields[name]?.first ?? "" }

    /// Every value of a repeated field (checkboxes).
    func all(_ name: String) -> [String] { fields[name] ?? [] }

    func has(_ name: String) -> Bool { fields[name] != nil }
}
