import Crypto
import Foundation

/// Tokens for links in mail (one-click unsubscribe, the preference centre,
/// confirming a subscription, feedback on a paper, view in browser), so a
/// link works for exactly one subscriber, at one address, for one purpose
/// (and, where the purpose needs one, one subject: the paper, the digest's
/// period, the pending request).
///
/// A token is base64url (34 characters) of a version byte (1), the
/// subscriber's row id (8 bytes, big-endian) and the first 16 bytes of
/// HMAC-SHA256(secret, "paperboy-link-v1" ‖ 0 ‖ purpose ‖ 0 ‖ id ‖ address
/// [‖ 0 ‖ subject]); the subject part is there only when the subject is not
/// empty, so unsubscribe tokens are what they always were. The subject
/// itself travels in the link's other parameters, never in the token.
/// It says nothing about the address, and without the secret no token can
/// be made for another subscriber or purpose.
///
/// The address is the one the store keys the subscriber by: the domain
/// lower-cased and the local part exactly as stored (RFC 5321 leaves the
/// local part's case to the receiving server, and the store treats
/// `Ada@example.org` and `ada@example.org` as two subscribers). Binding to
/// it is what keeps a link honest when the row id behind it no longer
/// belongs to the person the link was mailed to: after an export and an
/// import into a new database (ids given out anew), after `remove --forget`
/// and `add`, or after the address changed. Verifying therefore needs the
/// address the store has now for the id: see `claim(_:)` and
/// `verify(_:purpose:email:)`.
///
/// Secret rotation: tokens made with any of `previousSecrets` are still
/// accepted; new tokens are always made with `secret`.
public struct LinkToken: Sendable {
    public enum Purpose: String, Sendable, CaseIterable {
        /// The one-click unsubscribe link (`/unsubscribe`); no subject.
        case unsubscribe
        /// The preference centre (`/preferences`); no subject.
        case preferences
        /// Confirming a subscribe-page request (`/confirm`); the subject is
        /// the request's moment and its settings (`ReaderLinks.confirmSubject`),
        /// so the link confirms exactly what its mail's request asked for
        /// and stops working once confirmed or expired.
        case confirm
        /// "More like this" on one paper; the subject is the paper's id.
        case moreLikeThis = "more-like-this"
        /// "Not for me" on one paper; the subject is the paper's id.
        case notForMe = "not-for-me"
        /// "View in browser" (`/d`); the subject is the digest's period key.
        case view
    }

    /// What a well-formed token says before it is checked: the subscriber id
    /// it names and its MAC. Only `verify(_:purpose:email:)` makes it true.
    public struct Claim: Sendable, Equatable {
        /// The subscriber row the token names.
        public let subscriberID: Int64
        fileprivate let mac: [UInt8]
    }

    static let version: UInt8 = 1
    static let macLength = 16
    static let tokenLength = 1 + 8 + macLength

    private let key: SymmetricKey
    private let previousKeys: [SymmetricKey]
    /// HMAC-SHA256 (RFC 2104) with the current secret, its inner and outer
    /// pads already hashed: a digest makes some twenty tokens, and each
    /// starts from copies of these instead of hashing the key again.
    /// (`verify` uses swift-crypto's `HMAC`, so each checks the other.)
    private let innerKeyed: SHA256
    private let outerKeyed: SHA256

    /// `secret`: the current secret (at least 16 bytes), from `secret_file`,
    /// `PAPERBOY_SECRET` or `$CREDENTIALS_DIRECTORY/secret`.
    /// `previousSecrets`: rotated-out secrets whose tokens are still accepted.
    public init(secret: [UInt8], previousSecrets: [[UInt8]] = []) {
        key = SymmetricKey(data: secret)
        previousKeys = previousSecrets.map { SymmetricKey(data: $0) }
        // A key longer than a block is hashed first, then zero-padded to a block.
        var block = secret.count > SHA256.blockByteCount ? Array(SHA256.hash(data: secret)) : secret
        block += [UInt8](repeating: 0, count: SHA256.blockByteCount - block.count)
        var inner = SHA256()
        inner.update(data: block.map { $0 ^ 0x36 })
        var outer = SHA256()
        outer.update(data: block.map { $0 ^ 0x5C })
        innerKeyed = inner
        outerKeyed = outer
    }

    /// How many secrets verify a token (the current one and the previous ones).
    public var secretCount: Int { 1 + previousKeys.count }

    /// The token for `subscriberID` at `email`, for `purpose` and `subject`
    /// (see `Purpose`), made with the current secret.
    public func make(subscriberID: Int64, email: EmailAddress, purpose: Purpose, subject: String = "") -> String {
        var inner = innerKeyed
        Self.withMacInput(id: subscriberID, email: email, purpose: purpose, subject: subject) { inner.update(bufferPointer: $0) }
        let innerDigest = inner.finalize()
        var outer = outerKeyed
        innerDigest.withUnsafeBytes { outer.update(bufferPointer: $0) }
        let mac = outer.finalize()
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: Self.tokenLength) { token in
            token[0] = Self.version
            for k in 0..<8 { token[1 + k] = UInt8(truncatingIfNeeded: subscriberID >> (56 - 8 * k)) }
            mac.withUnsafeBytes { macBytes in
                for k in 0..<Self.macLength { token[9 + k] = macBytes[k] }
            }
            return Self.base64url(UnsafeBufferPointer(token))
        }
    }

    /// The id a well-formed token names, or nil when it is malformed (wrong
    /// length, alphabet or version). Nothing about it is trusted yet.
    public static func claim(_ token: String) -> Claim? {
        guard token.utf8.count == (tokenLength * 4 + 2) / 3, let bytes = decodeBase64url(token),
              bytes.count == tokenLength, bytes[0] == version,
              base64url(bytes) == token else { return nil }   // one spelling per token
        let id = bytes[1..<9].reduce(Int64(0)) { $0 << 8 | Int64($1) }
        return Claim(subscriberID: id, mac: Array(bytes[9...]))
    }

    /// Whether `claim` was made, with the current or a previous secret, for
    /// its subscriber at `email` (the address the store has for that id
    /// now), `purpose` and `subject`. Compares in constant time, with every secret.
    public func verify(_ claim: Claim, purpose: Purpose, email: EmailAddress, subject: String = "") -> Bool {
        var matched = false
        for key in [key] + previousKeys {
            let expected = Self.mac(key: key, id: claim.subscriberID, email: email, purpose: purpose, subject: subject)
            var difference = UInt8(claim.mac.count == expected.count ? 0 : 1)
            for (a, b) in zip(expected, claim.mac) { difference |= a ^ b }
            matched = matched || difference == 0
        }
        return matched
    }

    private static func mac(key: SymmetricKey, id: Int64, email: EmailAddress, purpose: Purpose, subject: String) -> [UInt8] {
        withMacInput(id: id, email: email, purpose: purpose, subject: subject) { input in
            Array(HMAC<SHA256>.authenticationCode(for: input, using: key).prefix(macLength))
        }
    }

    /// Calls `body` with what the MAC is computed over (see the type's
    /// comment), laid out in a buffer on the stack.
    private static func withMacInput<Result>(id: Int64, email: EmailAddress, purpose: Purpose, subject: String,
                                             _ body: (UnsafeRawBufferPointer) -> Result) -> Result {
        let label = "paperboy-link-v1"
        let capacity = label.utf8.count + 2 + purpose.rawValue.utf8.count + 8 + email.localPart.utf8.count + 1
            + email.domain.utf8.count + 1 + subject.utf8.count
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: capacity) { buffer in
            var cursor = ByteCursor(buffer)
            cursor.put(label)
            cursor.put(0)
            cursor.put(purpose.rawValue)
            cursor.put(0)
            for k in 0..<8 { cursor.put(UInt8(truncatingIfNeeded: id >> (56 - 8 * k))) }
            cursor.put(email.localPart)
            cursor.put(UInt8(ascii: "@"))
            cursor.put(email.domain)
            if !subject.isEmpty {
                cursor.put(0)
                cursor.put(subject)
            }
            return body(UnsafeRawBufferPointer(start: buffer.baseAddress, count: cursor.count))
        }
    }

    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    /// Base64url without padding (RFC 4648 §5).
    static func base64url(_ bytes: [UInt8]) -> String {
        bytes.withUnsafeBufferPointer { base64url($0) }
    }

    static func base64url(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        let length = (bytes.count * 4 + 2) / 3
        return String(unsafeUninitializedCapacity: max(1, length)) { out in
            var o = 0
            func put(_ value: UInt32) {
                out[o] = alphabet[Int(value & 63)]
                o += 1
            }
            var index = 0
            while index + 2 < bytes.count {
                let value = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8 | UInt32(bytes[index + 2])
                put(value >> 18); put(value >> 12); put(value >> 6); put(value)
                index += 3
            }
            let rest = bytes.count - index
            if rest == 1 {
                let value = UInt32(bytes[index]) << 16
                put(value >> 18); put(value >> 12)
            } else if rest == 2 {
                let value = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8
                put(value >> 18); put(value >> 12); put(value >> 6)
            }
            return o
        }
    }

    static func decodeBase64url(_ text: String) -> [UInt8]? {
        guard text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else { return nil }
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        return Data(base64Encoded: base64).map(Array.init)
    }
}
