import Foundation

/// RFC 2047 encoded-words for UTF-8 header text.
///
/// The text is cut into words of at most 75 characters between grapheme
/// clusters (between Unicode scalars only when one cluster is too long for
/// a word), so no word ends inside a UTF-8 sequence. The Q or B encoding is
/// chosen for the whole text, whichever is shorter.
enum EncodedWords {
    /// RFC 2047 §2: an encoded-word is at most 75 characters long.
    static let maximumLength = 75
    private static let overhead = "=?utf-8?q?".utf8.count + "?=".utf8.count

    enum Encoding {
        case q, b
        var prefix: String { self == .q ? "=?utf-8?q?" : "=?utf-8?b?" }
    }

    /// Q encoding may only keep these as they are in a phrase (RFC 2047 §5 (3)).
    static func isQLiteral(_ byte: UInt8) -> Bool {
        (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
            || byte == 0x21 || byte == 0x2A || byte == 0x2B || byte == 0x2D || byte == 0x2F
    }

    static func qLength(_ byte: UInt8) -> Int {
        isQLiteral(byte) || byte == 0x20 ? 1 : 3
    }

    static func encoding(for text: String) -> Encoding {
        var q = 0
        for byte in text.utf8 { q += qLength(byte) }
        return q <= (text.utf8.count + 2) / 3 * 4 ? .q : .b
    }

    /// Cuts `text` into encoded-words; the first is at most `firstLength`
    /// characters long (room left on the header's first line), the others
    /// at most 75.
    static func words(_ text: String, firstLength: Int) -> [String] {
        let encoding = encoding(for: text)
        var words: [String] = []
        var chunk: [UInt8] = []
        var chunkLength = 0 // encoded length of `chunk`
        // A first word shorter than 24 characters is not worth it: the caller folds first.
        var capacity = max(min(firstLength, maximumLength), 24) - overhead

        func fits<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> Bool {
            switch encoding {
            case .q: return chunkLength + encodedLength(bytes, .q) <= capacity
            case .b: return (chunk.count + bytes.count + 2) / 3 * 4 <= capacity
            }
        }
        func append<Bytes: Collection<UInt8>>(_ bytes: Bytes) {
            chunk.append(contentsOf: bytes)
            chunkLength += encoding == .q ? encodedLength(bytes, .q) : 0
        }
        func flush() {
            guard !chunk.isEmpty else { return }
            words.append(encoding.prefix + encode(chunk, encoding) + "?=")
            chunk.removeAll(keepingCapacity: true)
            chunkLength = 0
            capacity = maximumLength - overhead
        }
        for character in text {
            let bytes = character.utf8
            if fits(bytes) {
                append(bytes)
                continue
            }
            flush()
            if fits(bytes) {
                append(bytes)
            } else {
                // One cluster too long for a word (a long combining sequence): cut between scalars.
                for scalar in character.unicodeScalars {
                    let scalarBytes = Array(String(scalar).utf8)
                    if !fits(scalarBytes) { flush() }
                    append(scalarBytes)
                }
            }
        }
        flush()
        return words
    }

    private static func encodedLength<Bytes: Collection<UInt8>>(_ bytes: Bytes, _ encoding: Encoding) -> Int {
        switch encoding {
        case .q: return bytes.reduce(0) { $0 + qLength($1) }
        case .b: return (bytes.count + 2) / 3 * 4
        }
    }

    private static let hex = Array("0123456789ABCDEF".utf8)

    private static func encode(_ bytes: [UInt8], _ encoding: Encoding) -> String {
        switch encoding {
        case .b:
            return Data(bytes).base64EncodedString()
        case .q:
            var out: [UInt8] = []
            out.reserveCapacity(bytes.count * 3)
            for byte in bytes {
                if isQLiteral(byte) {
                    out.append(byte)
                } else if byte == 0x20 {
                    out.append(0x5F)
                } else {
                    out.append(contentsOf: [0x3D, hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]])
                }
            }
            return String(decoding: out, as: UTF8.self)
        }
    }
}
