internal import CYaml

/// libyaml's parser events, one at a time, over UTF-8 bytes the caller keeps
/// alive: the subscriber file is read entry by entry instead of as one node
/// tree (`SubscriberFile.parse`). Yams is built on the same libyaml (its
/// `CYaml` module), so the accepted syntax, the nesting limit and the
/// scanner's and parser's messages are the ones `Yams.compose` gives.
final class YAMLEventReader {
    /// 1-based line and column (columns count Unicode scalars, as libyaml does).
    struct Mark: Equatable, Sendable {
        var line: Int
        var column: Int
    }

    enum Kind: Equatable {
        case streamStart, streamEnd, documentStart, documentEnd
        case alias, scalar, sequenceStart, sequenceEnd, mappingStart, mappingEnd
    }

    struct Event {
        var kind: Kind
        var mark: Mark
        /// The anchor (`&name`) of a scalar, sequence or mapping; the name an alias refers to.
        var anchor: String?
        /// A scalar's text.
        var value: String = ""
        /// A plain (unquoted, not block) scalar: only those can mean null.
        var plain = false
    }

    /// What libyaml refused, with its position.
    struct Failure: Error {
        enum Kind { case reader, syntax, memory }
        var kind: Kind
        var problem: String
        var context: String?
        var mark: Mark
        /// For a reader (encoding) error: the byte offset and the byte.
        var offset: Int
        var byte: Int32
    }

    private let parser: UnsafeMutablePointer<yaml_parser_t>
    private let event: UnsafeMutablePointer<yaml_event_t>

    /// Reads `bytes`, which must stay valid while the reader is used.
    init(bytes: UnsafeRawBufferPointer) {
        parser = .allocate(capacity: 1)
        event = .allocate(capacity: 1)
        yaml_parser_initialize(parser)
        yaml_parser_set_encoding(parser, YAML_UTF8_ENCODING)
        yaml_parser_set_input_string(parser, bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), bytes.count)
    }

    deinit {
        yaml_parser_delete(parser)
        parser.deallocate()
        event.deallocate()
    }

    func next() throws(Failure) -> Event {
        guard yaml_parser_parse(parser, event) == 1 else { throw failure() }
        defer { yaml_event_delete(event) }
        let e = event.pointee
        let mark = Mark(line: e.start_mark.line + 1, column: e.start_mark.column + 1)
        switch e.type {
        case YAML_STREAM_START_EVENT: return Event(kind: .streamStart, mark: mark)
        case YAML_STREAM_END_EVENT: return Event(kind: .streamEnd, mark: mark)
        case YAML_DOCUMENT_START_EVENT: return Event(kind: .documentStart, mark: mark)
        case YAML_DOCUMENT_END_EVENT: return Event(kind: .documentEnd, mark: mark)
        case YAML_ALIAS_EVENT: return Event(kind: .alias, mark: mark, anchor: Self.text(e.data.alias.anchor))
        case YAML_SCALAR_EVENT:
            let scalar = e.data.scalar
            // A scalar may hold NUL ("\0"), so its length counts, not a terminator.
            let value = scalar.length == 0 ? "" : String(decoding: UnsafeBufferPointer(start: scalar.value, count: scalar.length), as: UTF8.self)
            return Event(kind: .scalar, mark: mark, anchor: Self.text(scalar.anchor), value: value, plain: scalar.style == YAML_PLAIN_SCALAR_STYLE)
        case YAML_SEQUENCE_START_EVENT: return Event(kind: .sequenceStart, mark: mark, anchor: Self.text(e.data.sequence_start.anchor))
        case YAML_SEQUENCE_END_EVENT: return Event(kind: .sequenceEnd, mark: mark)
        case YAML_MAPPING_START_EVENT: return Event(kind: .mappingStart, mark: mark, anchor: Self.text(e.data.mapping_start.anchor))
        case YAML_MAPPING_END_EVENT: return Event(kind: .mappingEnd, mark: mark)
        default:
            throw Failure(kind: .syntax, problem: "unexpected event \(e.type.rawValue)", context: nil, mark: mark, offset: 0, byte: -1)
        }
    }

    private static func text(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        pointer.map { String(cString: $0) }
    }

    private func failure() -> Failure {
        let p = parser.pointee
        let problem = p.problem.map { String(cString: $0) } ?? "unknown problem"
        let context = p.context.map { String(cString: $0) }
        let mark = Mark(line: p.problem_mark.line + 1, column: p.problem_mark.column + 1)
        switch p.error {
        case YAML_MEMORY_ERROR:
            return Failure(kind: .memory, problem: "out of memory", context: nil, mark: mark, offset: 0, byte: -1)
        case YAML_READER_ERROR:
            return Failure(kind: .reader, problem: problem, context: nil, mark: mark, offset: p.problem_offset, byte: p.problem_value)
        default:
            return Failure(kind: .syntax, problem: problem, context: context, mark: mark, offset: 0, byte: -1)
        }
    }

    /// The line and column (in Unicode scalars, 1-based) of byte `offset` in UTF-8 `bytes`.
    static func position(ofByte offset: Int, in bytes: UnsafeRawBufferPointer) -> Mark {
        let end = min(max(offset, 0), bytes.count)
        var line = 1
        var lineStart = 0
        for index in 0..<end where bytes[index] == UInt8(ascii: "\n") {
            line += 1
            lineStart = index + 1
        }
        // Continuation bytes (10xxxxxx) do not start a character.
        var column = 1
        for index in lineStart..<end where bytes[index] & 0xC0 != 0x80 { column += 1 }
        return Mark(line: line, column: column)
    }
}
