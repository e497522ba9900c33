/// A cheap pre-scan of a JSON body's bracket nesting, so a document nested
/// deeper than any feed is refused with a clear error before a decoder
/// reads it (Foundation's decoder stops at 512 levels, but only says
/// "not valid JSON").
enum JSONDepth {
    /// The deepest `[`/`{` nesting a feed may have; real feeds use fewer than 6.
    static let maxDepth = 64

    /// Throws `.tooDeep` when brackets outside strings nest deeper than `maxDepth`.
    static func check(_ body: [UInt8], maxDepth: Int = JSONDepth.maxDepth) throws(FeedError) {
        var depth = 0
        var inString = false
        var escaped = false
        var line = 1
        for byte in body {
            if byte == UInt8(ascii: "\n") { line += 1 }
            if inString {
                if escaped { escaped = false }
                else if byte == UInt8(ascii: "\\") { escaped = true }
                else if byte == UInt8(ascii: "\"") { inString = false }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                depth += 1
                if depth > maxDepth {
                    throw FeedError(
                        code: .tooDeep,
                        message: "the JSON document nests arrays and objects more than \(maxDepth) levels deep (line \(line)); it was not read",
                        hint: "A feed nests a few levels at most: check that the source's url returns the expected JSON, or remove the source"
                    )
                }
            case UInt8(ascii: "]"), UInt8(ascii: "}"): depth -= 1
            default: break
            }
        }
    }
}
