/// Wraps plain text at a column for the text part of a digest.
public enum TextWrapper {
    /// Breaks every line longer than `width` at spaces. A word longer than
    /// the width (a URL) stays whole on its own line, so links keep working.
    public static func wrap(_ text: String, width: Int = 78) -> String {
        if fits(text, width: width) { return text }
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
