/// Writes header fields as bytes, folding (CRLF + space) between tokens so
/// that lines stay within 78 characters where a token boundary allows it.
///
/// Callers pass text that `MailHeaderText` has cleaned: no control
/// characters ever reach the output.
struct HeaderWriter {
    /// RFC 5322 §2.1.1: lines SHOULD be at most 78 characters.
    static let preferredLineLength = 78

    /// What may separate a token from the one before it.
    enum Gap {
        /// A space, or a fold when the token does not fit.
        case space
        /// Nothing, or a fold when the token does not fit (where the syntax allows FWS).
        case foldable
    }

    var bytes: [UInt8]
    private(set) var column = 0
    /// Whether the current line holds a token (a fold right after "Name:" is avoided).
    private var lineHasToken = false

    init(capacity: Int) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    mutating func begin(_ name: String) {
        bytes.append(contentsOf: name.utf8)
        bytes.append(0x3A)
        column = name.utf8.count + 1
        lineHasToken = false
    }

    mutating func token(_ text: some StringProtocol, gap: Gap = .space) {
        let length = text.utf8.count
        let separator = gap == .space ? 1 : 0
        if lineHasToken && column + separator + length > Self.preferredLineLength {
            bytes.append(contentsOf: [0x0D, 0x0A, 0x20])
            column = 1
        } else if separator == 1 {
            bytes.append(0x20)
            column += 1
        }
        bytes.append(contentsOf: text.utf8)
        column += length
        lineHasToken = true
    }

    mutating func end() {
        bytes.append(contentsOf: [0x0D, 0x0A])
        column = 0
    }

    /// A whole field whose value is one token: "Name: value".
    mutating func field(_ name: String, _ value: some StringProtocol) {
        begin(name)
        token(value)
        end()
    }

    /// Room for a token after a space on the current line.
    var room: Int { Self.preferredLineLength - column - 1 }

    /// Unstructured text (a Subject): words folded at spaces, or encoded-words
    /// when the text is not ASCII, holds "=?", or has a word too long for a line.
    mutating func unstructured(_ text: String) {
        if MailHeaderText.fitsAsWords(text, firstRoom: room) {
            for word in text.split(separator: " ") { token(word) }
        } else {
            encodedWords(text)
        }
    }

    /// A display name or List-Id phrase.
    ///
    /// ASCII: atoms, or one quoted-string when the name holds specials.
    /// Otherwise word by word: ASCII words stay atoms or quoted-strings and
    /// each run of words that need encoding becomes encoded-words. Keeping
    /// runs together matters: readers disagree about the space between two
    /// adjacent encoded-words in a phrase (RFC 2047 drops it, Python's
    /// `email` keeps it), so only a run too long for one word is cut.
    /// A single ASCII word longer than a line stays whole on its own line
    /// (at most 998 characters are allowed).
    mutating func phrase(_ text: String) {
        let words = text.split(separator: " ")
        if !words.contains(where: MailHeaderText.needsEncoding) {
            if text.utf8.allSatisfy({ $0 == 0x20 || MailHeaderText.isAtext($0) }) {
                for word in words { token(word) }
                return
            }
            let quoted = MailHeaderText.quoted(text)
            if quoted.utf8.count <= room {
                token(quoted)
                return
            }
        }
        var run: [Substring] = []
        for word in words {
            if MailHeaderText.needsEncoding(word) {
                run.append(word)
                continue
            }
            if !run.isEmpty {
                encodedWords(run.joined(separator: " "))
                run.removeAll()
            }
            token(word.utf8.allSatisfy(MailHeaderText.isAtext) ? String(word) : MailHeaderText.quoted(String(word)))
        }
        if !run.isEmpty { encodedWords(run.joined(separator: " ")) }
    }

    /// Encoded-words for `text`: one word (on a new line if needed) when it
    /// fits in one, else words that fill the current line first.
    mutating func encodedWords(_ text: String) {
        let whole = EncodedWords.words(text, firstLength: EncodedWords.maximumLength)
        for word in whole.count == 1 ? whole : EncodedWords.words(text, firstLength: room) { token(word) }
    }
}
