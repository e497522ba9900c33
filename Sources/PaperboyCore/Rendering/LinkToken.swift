import Crypto
import Foundation

/// Tokens for links in a digest (one-click unsubscribe), so a link works
/// for exactly one subscriber and one purpose.
///
/// A token is base64url of the subscriber's row id (8 bytes) and the first
/// 16 bytes of HMAC-SHA256(secret, purpose ‖ id). It says nothing about the
/// address, and without the secret no token can be made for another
/// subscriber or purpose.
public struct LinkToken: Sendable {
    public enum Purpose: String, Sendable {
        case unsubscribe
    }

    private let key: SymmetricKey

    /// `secret`: at least 16 bytes, from `secret_file`, `PAPERBOY_SECRET` or `$CREDENTIALS_DIRECTORY/secret`.
    public init(secret: [UInt8]) {
        key = SymmetricKey(data: secret)
    }

    public func make(subscriberID: Int64, purpose: Purpose) -> String {
        var bytes = Self.idBytes(subscriberID)
        bytes += mac(bytes, purpose: purpose)
        return Self.base64url(bytes)
    }

    /// The subscriber id a token was made for, or nil when the token is
    /// malformed, altered, or made for another purpose.
    public func verify(_ token: String, purpose: Purpose) -> Int64? {
        guard let bytes = Self.decodeBase64url(token), bytes.count == 24 else { return nil }
        let id = Array(bytes[0..<8])
        let expected = mac(id, purpose: purpose)
        // Constant-time comparison.
        var difference: UInt8 = 0
        for (a, b) in zip(expected, bytes[8...]) { difference |= a ^ b }
        guard difference == 0 else { return nil }
        return id.reduce(Int64(0)) { $0 << 8 | Int64($1) }
    }

    private func mac(_ id: [UInt8], purpose: Purpose) -> [UInt8] {
        var message = Array(purpose.rawValue.utf8)
        message.append(0)
        message += id
        return Array(HMAC<SHA256>.authenticationCode(for: message, using: key).prefix(16))
    }

    static func idBytes(_ id: Int64) -> [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: id >> (56 - 8 * $0)) }
    }

    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    /// Base64url without padding (RFC 4648 §5).
    static func base64url(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count * 4 + 2) / 3)
        var index = 0
        while index + 2 < bytes.count {
            let value = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8 | UInt32(bytes[index + 2])
            out += [alphabet[Int(value >> 18)], alphabet[Int(value >> 12 & 63)], alphabet[Int(value >> 6 & 63)], alphabet[Int(value & 63)]]
            index += 3
        }
        let rest = bytes.count - index
        if rest == 1 {
            let value = UInt32(bytes[index]) << 16
            out += [alphabet[Int(value >> 18)], alphabet[Int(value >> 12 & 63)]]
        } else if rest == 2 {
            let value = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8
            out += [alphabet[Int(value >> 18)], alphabet[Int(value >> 12 & 63)], alphabet[Int(value >> 6 & 63)]]
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func decodeBase64url(_ text: String) -> [UInt8]? {
        guard text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else { return nil }
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        return Data(base64Encoded: base64).map(Array.init)
    }
}
