import Crypto
import Foundation

/// DKIM-Signature (RFC 6376), relaxed/relaxed, rsa-sha256 or ed25519-sha256 (RFC 8463).
public struct DKIMSigner: Sendable {
    /// The signing domain (`d=`).
    public let domain: String
    /// The selector (`s=`): the public key is published at `selector._domainkey.domain`.
    public let selector: String
    private let key: DKIMKey

    /// Signed when present, in this order.
    public static let signedHeaders = [
        "from", "to", "subject", "date", "message-id", "mime-version",
        "list-id", "list-unsubscribe", "list-unsubscribe-post",
    ]

    /// `privateKeyPEM`: an RSA private key (PKCS#1 "BEGIN RSA PRIVATE KEY" or PKCS#8 "BEGIN PRIVATE KEY") or an Ed25519 PKCS#8 key; the algorithm follows the key.
    public init(domain: String, selector: String, privateKeyPEM: String) throws(DKIMError) {
        guard Self.isDomainName(domain) else {
            throw DKIMError("the DKIM domain \"\(domain.debugEscaped)\" is not a domain name; use the From address's domain, such as example.org")
        }
        guard Self.isDomainName(selector) else {
            throw DKIMError("the DKIM selector \"\(selector.debugEscaped)\" is not valid; use letters, digits, hyphens and dots, such as paperboy2026")
        }
        self.domain = domain.lowercased()
        self.selector = selector
        self.key = try DKIMKey(pem: privateKeyPEM)
        do {
            _ = try key.sign(Array("paperboy".utf8))
        } catch {
            throw DKIMError("the DKIM private key cannot sign (\(error)); generate a new key")
        }
    }

    /// The algorithm the key signs with: "rsa-sha256" or "ed25519-sha256".
    public var algorithm: String { key.algorithm }

    /// Signed headers: From, To, Subject, Date, Message-ID, MIME-Version, List-Id, List-Unsubscribe, List-Unsubscribe-Post (those present).
    /// Returns the message with the DKIM-Signature header prepended.
    ///
    /// `message` is a CRLF message as `MIMEComposer.compose` writes it.
    public func sign(_ message: [UInt8], at date: Date) -> [UInt8] {
        let (fields, bodyStart) = Self.headerFields(message)
        let bodyHash = SHA256.hash(data: DKIMCanonicalization.relaxedBody(message[bodyStart...]))

        // The last unused instance of each signed name, from the bottom up (RFC 6376 §5.4.2).
        var used = Set<Int>()
        var names: [String] = []
        var signedData: [UInt8] = []
        for name in Self.signedHeaders {
            guard let index = fields.indices.last(where: { fields[$0].name == name && !used.contains($0) }) else {
                // From must be signed (RFC 6376 §5.4); signing it absent keeps one from being added.
                if name == "from" { names.append(name) }
                continue
            }
            used.insert(index)
            names.append(name)
            signedData += DKIMCanonicalization.relaxedHeader(message[fields[index].range])
        }

        var writer = HeaderWriter(capacity: 1024)
        writer.begin("DKIM-Signature")
        writer.token("v=1;")
        writer.token("a=\(key.algorithm);")
        writer.token("c=relaxed/relaxed;")
        writer.token("d=\(domain);")
        writer.token("s=\(selector);")
        writer.token("t=\(Int(date.timeIntervalSince1970.rounded(.down)));")
        for (index, name) in names.enumerated() {
            let text = (index == 0 ? "h=" : "") + name + (index == names.count - 1 ? ";" : ":")
            writer.token(text, gap: index == 0 ? .space : .foldable)
        }
        writer.token("bh=\(Data(bodyHash).base64EncodedString());")
        writer.token("b=")
        let unsigned = writer.bytes
        // The signature covers this header with an empty b=, canonicalized and without its CRLF.
        signedData += DKIMCanonicalization.relaxedHeader(unsigned).dropLast(2)

        let signature: Data
        do {
            signature = try key.sign(signedData)
        } catch {
            // The key signed a test message in init; BoringSSL does not fail on a good key.
            preconditionFailure("DKIM signing failed with a key that signed before: \(error)")
        }
        // Base64 may be folded anywhere (FWS is allowed in b=): fill each line.
        var remaining = Substring(signature.base64EncodedString())
        while !remaining.isEmpty {
            var length = HeaderWriter.preferredLineLength - writer.column
            if length < 8 { length = HeaderWriter.preferredLineLength - 1 }
            let chunk = remaining.prefix(length)
            writer.token(chunk, gap: .foldable)
            remaining = remaining.dropFirst(chunk.count)
        }
        writer.end()
        return writer.bytes + message
    }

    /// Where each header field is (name lower-cased, range without its final
    /// CRLF), and where the body starts.
    static func headerFields(_ message: [UInt8]) -> (fields: [(name: String, range: Range<Int>)], bodyStart: Int) {
        var fields: [(name: String, range: Range<Int>)] = []
        var index = 0
        let count = message.count
        while index < count {
            // An empty line ends the header.
            if message[index] == 0x0D && index + 1 < count && message[index + 1] == 0x0A {
                return (fields, index + 2)
            }
            let start = index
            var colon: Int?
            // The field runs to a CRLF not followed by a space or tab.
            while index < count {
                if colon == nil && message[index] == 0x3A { colon = index }
                if message[index] == 0x0D && index + 1 < count && message[index + 1] == 0x0A
                    && !(index + 2 < count && (message[index + 2] == 0x20 || message[index + 2] == 0x09)) {
                    break
                }
                index += 1
            }
            if let colon {
                var nameEnd = colon
                while nameEnd > start && (message[nameEnd - 1] == 0x20 || message[nameEnd - 1] == 0x09) { nameEnd -= 1 }
                let name = String(decoding: message[start..<nameEnd], as: UTF8.self).lowercased()
                fields.append((name, start..<index))
            }
            index += 2
        }
        return (fields, count)
    }

    /// Letters, digits and hyphens in dot-separated labels.
    private static func isDomainName(_ text: String) -> Bool {
        let labels = text.split(separator: ".", omittingEmptySubsequences: false)
        return !text.isEmpty && text.utf8.count <= 253 && labels.allSatisfy { label in
            !label.isEmpty && label.utf8.count <= 63 && label.first != "-" && label.last != "-"
                && label.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) || $0 == 0x2D || $0 == 0x5F }
        }
    }
}
