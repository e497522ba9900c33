/// Wraps plain text at a column for the text part of a digest.
public enum TextWrapper {
    /// Breaks every line longer than `width` at spaces. A word longer than
    /// the width (a URL) stays whole on its own line, so links keep working.
    ///
    /// Lines are split at LF and words at single spaces, as characters (a
    /// CRLF is one character, and so is a space with a combining mark);
    /// a word's length is its number of Unicode scalars. ASCII lines, the
    /// usual case, are wrapped byte by byte with the same result.
    public static func wrap(_ text: String, width: Int = 78) -> String {
        if fits(text, width: width) { return text }
        var text = text
        if text.utf8.contains(0x0D) { return wrapCharacters(text, width: width) }
        let bytes = text.withUTF8 { Array($0) }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + bytes.count / width + 8)
        var start = 0
        while start <= bytes.count {
            var end = start
            while end < bytes.count && bytes[end] != 0x0A { end += 1 }
            let line = bytes[start..<end]
            if line.count <= width {
                out.append(contentsOf: line)
            } else if line.allSatisfy({ $0 < 0x80 }) {
                wrapASCII(line, width: width, into: &out)
            } else {
                out.append(contentsOf: wrapCharacters(String(decoding: line, as: UTF8.self), width: width).utf8)
            }
            if end < bytes.count { out.append(0x0A) }
            start = end + 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// One ASCII line: words at single spaces, each its byte count long.
    private static func wrapASCII(_ line: ArraySlice<UInt8>, width: Int, into out: inout [UInt8]) {
        var column = 0
        var lineStarted = false
        var index = line.startIndex
        while index < line.endIndex {
            if line[index] == 0x20 {
                index += 1
                continue
            }
            var wordEnd = index
            while wordEnd < line.endIndex && line[wordEnd] != 0x20 { wordEnd += 1 }
            let length = wordEnd - index
            if lineStarted && column + 1 + length > width {
                out.append(0x0A)
                column = 0
                lineStarted = false
            }
            if lineStarted {
                out.append(0x20)
                column += 1
            }
            out.append(contentsOf: line[index..<wordEnd])
            column += length
            lineStarted = true
            index = wordEnd
        }
    }

    /// The rule itself, character by character.
    static func wrapCharacters(_ text: String, width: Int) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count + text.utf8.count / width + 8)
        var first = true
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if !first { out += "\n" }
            first = false
            if line.utf8.count <= width || line.unicodeScalars.count <= width {
                out += line
                continue
            }
            var column = 0
            var lineStarted = false
            for word in line.split(separator: " ", omittingEmptySubsequences: true) {
                let length = word.unicodeScalars.count
                if lineStarted && column + 1 + length > width {
                    out += "\n"
                    column = 0
                    lineStarted = false
                }
                if lineStarted {
                    out += " "
                    column += 1
                }
                out += word
                column += length
                lineStarted = true
            }
        }
        return out
    }

    /// Whether no line of `text` is longer than `width` bytes (so wrapping
    /// changes nothing). Text with a CR takes the long way: a CRLF is one
    /// character there, not a line break.
    private static func fits(_ text: String, width: Int) -> Bool {
        var length = 0
        for byte in text.utf8 {
            if byte == 0x0A {
                length = 0
            } else if byte == 0x0D {
                return false
            } else {
                length += 1
                if length > width { return false }
            }
        }
        return true
    }
}
