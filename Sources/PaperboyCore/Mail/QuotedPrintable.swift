/// Quoted-printable body encoding (RFC 2045 §6.7), byte by byte.
///
/// Every line break of the input (LF, CR or CRLF) becomes a CRLF hard
/// break; other lines are cut with soft breaks (`=` CRLF) so that no line
/// is longer than 76 characters. A UTF-8 sequence is never split across a
/// soft break. `=`, bytes outside printable ASCII, spaces and tabs before a
/// line end, and a `.` or the `F` of `From ` at the start of a line are
/// written as `=XX`, so the output survives SMTP dot handling and mbox
/// `From ` quoting. The output never contains `=_`, so a MIME boundary that
/// starts with `=_` cannot occur in it.
public enum QuotedPrintable {
    /// The longest line, soft break `=` included.
    public static let maximumLineLength = 76

    /// Encodes the UTF-8 bytes of `text`.
    public static func encode(_ text: String) -> [UInt8] {
        var out: [UInt8] = []
        append(text, to: &out)
        return out
    }

    /// Encodes `bytes`.
    public static func encode(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(estimatedLength(bytes.count))
        bytes.withUnsafeBufferPointer { append($0, to: &out) }
        return out
    }

    /// Appends the encoding of `text`'s UTF-8 bytes to `out`, without an
    /// intermediate array (a message's body goes straight into the message).
    static func append(_ text: String, to out: inout [UInt8]) {
        var text = text
        out.reserveCapacity(out.count + estimatedLength(text.utf8.count))
        text.withUTF8 { append($0, to: &out) }
    }

    /// About how long the encoding of `count` mostly-ASCII bytes is: a soft
    /// break per line, a little escaping. Only a capacity hint: the output
    /// grows as an array does when the text needs more.
    static func estimatedLength(_ count: Int) -> Int {
        count + count / 16 + 64
    }

    private static let hexDigits: [UInt8] = Array("0123456789ABCDEF".utf8)

    /// Output is written to a small buffer on the stack and appended to
    /// `out` whenever it is nearly full, so `out` never holds more than the
    /// encoding itself (and its own growth).
    static func append(_ input: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        let count = input.count
        guard count > 0, let src = input.baseAddress else { return }
        let limit = maximumLineLength
        // The most one step of the loop below writes: a run of `limit` bytes
        // (the fast path), or a soft break and a four-byte sequence escaped.
        let stagingCapacity = 4096
        let flushAt = stagingCapacity - 2 * limit
        hexDigits.withUnsafeBufferPointer { hexBuffer in
            let hex = hexBuffer.baseAddress!
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: stagingCapacity) { staging in
                let dst = staging.baseAddress!
                var o = 0
                var column = 0
                var i = 0
                while i < count {
                    if o >= flushAt {
                        out.append(contentsOf: UnsafeBufferPointer(start: dst, count: o))
                        o = 0
                    }
                    // Fast path: a run of printable bytes (and inner spaces) in the middle
                    // of a line, up to where a soft break may be needed, copied at once.
                    if column != 0 && column < limit - 2 {
                        let stop = min(count, i &+ (limit &- 2 &- column))
                        var end = i
                        while end < stop {
                            // Eight at a time while all are printable or spaces (not "="),
                            // and a space at the end of the eight is not at a line end.
                            if end &+ 8 <= stop {
                                let word = UnsafeRawPointer(src + end).loadUnaligned(as: UInt64.self)
                                if isPlainOrSpace(word) && (src[end &+ 7] != 0x20 || (end &+ 8 < count && src[end &+ 8] != 0x0D && src[end &+ 8] != 0x0A)) {
                                    end &+= 8
                                    continue
                                }
                            }
                            let byte = src[end]
                            if byte >= 0x21 && byte <= 0x7E && byte != 0x3D {
                                end &+= 1
                            } else if byte == 0x20 && end &+ 1 < count && src[end &+ 1] != 0x0D && src[end &+ 1] != 0x0A {
                                end &+= 1
                            } else {
                                break
                            }
                        }
                        if end > i {
                            (dst + o).initialize(from: src + i, count: end &- i)
                            o &+= end &- i
                            column &+= end &- i
                            i = end
                            continue
                        }
                    }
                    let byte = src[i]
                    if byte == 0x0D || byte == 0x0A {
                        i &+= byte == 0x0D && i &+ 1 < count && src[i &+ 1] == 0x0A ? 2 : 1
                        dst[o] = 0x0D
                        dst[o &+ 1] = 0x0A
                        o &+= 2
                        column = 0
                        continue
                    }
                    var end = i &+ 1
                    var literal: Bool
                    if byte >= 0x21 && byte <= 0x7E {
                        literal = byte != 0x3D
                    } else if byte == 0x20 || byte == 0x09 {
                        literal = !(end == count || src[end] == 0x0D || src[end] == 0x0A)
                    } else {
                        literal = false
                        if byte >= 0xC0 {
                            // Keep a UTF-8 sequence together: its continuation bytes follow.
                            let sequenceEnd = min(count, i &+ (byte >= 0xF0 ? 4 : byte >= 0xE0 ? 3 : 2))
                            while end < sequenceEnd && src[end] & 0xC0 == 0x80 { end &+= 1 }
                        }
                    }
                    var width = literal ? 1 : 3 &* (end &- i)
                    let atLineEnd = end == count || src[end] == 0x0D || src[end] == 0x0A
                    // A soft break needs one column for its "="; the last unit of a line does not.
                    if column &+ width > (atLineEnd ? limit : limit &- 1) {
                        dst[o] = 0x3D
                        dst[o &+ 1] = 0x0D
                        dst[o &+ 2] = 0x0A
                        o &+= 3
                        column = 0
                    }
                    if literal && column == 0 && (byte == 0x2E || (byte == 0x46 && startsWithFromSpace(input, at: i))) {
                        literal = false
                        width = 3
                    }
                    if literal {
                        dst[o] = byte
                        o &+= 1
                    } else {
                        for k in i..<end {
                            let value = src[k]
                            dst[o] = 0x3D
                            dst[o &+ 1] = hex[Int(value >> 4)]
                            dst[o &+ 2] = hex[Int(value & 0x0F)]
                            o &+= 3
                        }
                    }
                    column &+= width
                    i = end
                }
                out.append(contentsOf: UnsafeBufferPointer(start: dst, count: o))
            }
        }
    }

    /// Whether all eight bytes of `word` are 0x20...0x7E and none is "=".
    /// (Each test is exact for whether any byte matches: a borrow or carry
    /// only crosses from a byte that matched already.)
    @inline(__always)
    private static func isPlainOrSpace(_ word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        let below = (word &- ones &* 0x20) & ~word & highs           // a byte < 0x20
        let above = ((word &+ ones &* (0x7F - 0x7E)) | word) & highs  // a byte > 0x7E
        let equals = word ^ (ones &* 0x3D)
        let equal = (equals &- ones) & ~equals & highs                // a byte == "="
        return below | above | equal == 0
    }

    /// Whether "From " starts at `index`.
    private static func startsWithFromSpace(_ input: UnsafeBufferPointer<UInt8>, at index: Int) -> Bool {
        index + 5 <= input.count && input[index + 1] == 0x72 && input[index + 2] == 0x6F && input[index + 3] == 0x6D && input[index + 4] == 0x20
    }
}
