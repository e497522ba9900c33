/// One YAML node of a subscriber entry, built from events; only an entry's
/// own nodes (and anchored ones, for aliases) are ever held, never the file.
/// (Not `indirect`: the arrays hold the children, so a scalar needs no box.)
enum YAMLValue {
    case scalar(String, plain: Bool, mark: YAMLEventReader.Mark)
    case sequence([YAMLValue])
    case mapping([(key: YAMLValue, value: YAMLValue)])

    var scalarText: String? {
        if case .scalar(let text, _, _) = self { return text }
        return nil
    }

    /// `"text"`, `a mapping` or `a list`, for messages (as `ConfigReader.describe`).
    var described: String {
        switch self {
        case .scalar(let text, _, _): return "\"\(text)\""
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        }
    }

    /// An empty, `~` or `null` plain scalar.
    var isNull: Bool {
        guard case .scalar(let text, let plain, _) = self, plain else { return false }
        return text.isEmpty || text == "~" || text == "null"
    }
}

/// Walks a subscriber file's events: the top-level mapping, then each entry
/// of `subscribers` as soon as its mapping ends.
struct SubscriberFileReader {
    /// A problem with the whole file (not one entry), already worded.
    struct FileProblem: Error {
        var reason: String
    }

    let reader: YAMLEventReader
    let bytes: UnsafeRawBufferPointer
    private var anchors: [String: YAMLValue] = [:]

    init(bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
        reader = YAMLEventReader(bytes: bytes)
    }

    /// Reads the whole stream; `entry` gets each item of the subscribers
    /// list (1-based position, node) as soon as it is read. Problems with the
    /// whole file are thrown after the last event, so a YAML error anywhere
    /// wins over them (as when the file was composed first); problems of
    /// the file's shape come in the order the old node-tree reader found them.
    mutating func read(entry: (Int, YAMLValue) -> Void) throws(FileProblem) {
        do {
            try readStream(entry: entry)
        } catch let failure as YAMLEventReader.Failure {
            throw FileProblem(reason: describe(failure))
        } catch let problem as FileProblem {
            throw problem
        } catch {
            throw FileProblem(reason: "not valid YAML: \(error)")
        }
    }

    /// The single document's root node, whole (for one entry, as `edit` shows it); nil for an empty stream.
    mutating func readRoot() throws(FileProblem) -> YAMLValue? {
        do {
            guard let first = try documentStart() else { return nil }
            let root = try value(startingWith: first)
            try documentEnd()
            return root
        } catch let failure as YAMLEventReader.Failure {
            throw FileProblem(reason: describe(failure))
        } catch let problem as FileProblem {
            throw problem
        } catch {
            throw FileProblem(reason: "not valid YAML: \(error)")
        }
    }

    static let notAMapping = "the file must be a mapping with one key, subscribers, holding a list of entries"

    private mutating func readStream(entry: (Int, YAMLValue) -> Void) throws {
        guard let rootEvent = try documentStart() else { throw FileProblem(reason: Self.notAMapping) }
        // Problems with the file's shape, thrown (in the order the node-tree
        // reader checked them) only once the stream has been read to its end
        // without a YAML error.
        var isMapping = true
        var unknownKey: String?
        var subscribersLine: Int?
        var duplicate: String?
        var listProblem: String?
        if rootEvent.kind != .mappingStart {
            _ = try value(startingWith: rootEvent)
            isMapping = false
        } else {
            while true {
                let keyEvent = try reader.next()
                if keyEvent.kind == .mappingEnd { break }
                let name = try value(startingWith: keyEvent).scalarText
                let valueEvent = try reader.next()
                if name == "subscribers", subscribersLine == nil {
                    subscribersLine = keyEvent.mark.line
                    listProblem = try readList(startingWith: valueEvent, entry: entry)
                    continue
                }
                _ = try value(startingWith: valueEvent)
                if name == "subscribers", let first = subscribersLine {
                    duplicate = duplicate ?? "the key subscribers appears twice (lines \(first) and \(keyEvent.mark.line)); list every entry under one subscribers key"
                } else {
                    unknownKey = unknownKey ?? "unknown top-level key \"\(name ?? "?")\"; the only key is subscribers"
                }
            }
        }
        try documentEnd()
        if let duplicate { throw FileProblem(reason: duplicate) }
        if !isMapping { throw FileProblem(reason: Self.notAMapping) }
        if let unknownKey { throw FileProblem(reason: unknownKey) }
        if subscribersLine == nil { throw FileProblem(reason: "missing the subscribers key") }
        if let listProblem { throw FileProblem(reason: listProblem) }
    }

    /// Streams the value of `subscribers`; returns its shape problem, if any.
    private mutating func readList(startingWith first: YAMLEventReader.Event, entry: (Int, YAMLValue) -> Void) throws -> String? {
        let notAList = "subscribers must be a list of entries (lines starting with \"- \")"
        guard first.kind == .sequenceStart else {
            switch try value(startingWith: first) {
            case .scalar(let text, _, _):
                return text.isEmpty || text == "null" || text == "~" ? nil : notAList
            case .sequence(let items):
                // An alias to a list anchored earlier.
                for (offset, item) in items.enumerated() { entry(offset + 1, item) }
                return nil
            case .mapping:
                return notAList
            }
        }
        var position = 0
        while true {
            let event = try reader.next()
            if event.kind == .sequenceEnd { break }
            position += 1
            entry(position, try entryValue(startingWith: event))
        }
        // An alias to the whole list can only come later at the top level,
        // which is an error of its own; it need not hold the entries.
        if let anchor = first.anchor { anchors[anchor] = .sequence([]) }
        return nil
    }

    /// The event after the stream's start and its one document's start; nil for an empty stream.
    private func documentStart() throws -> YAMLEventReader.Event? {
        var event = try reader.next()
        if event.kind == .streamStart { event = try reader.next() }
        if event.kind == .streamEnd { return nil }
        return try reader.next()
    }

    /// Reads the end of the document and of the stream: a second document is an error.
    private func documentEnd() throws {
        _ = try reader.next()
        let after = try reader.next()
        if after.kind != .streamEnd {
            throw FileProblem(reason: "not valid YAML: a second document starts at line \(after.mark.line), column \(after.mark.column); a subscriber file is one document (remove the \"---\" or \"...\" line)")
        }
    }

    /// An entry: usually a mapping of plain keys to scalars and short lists,
    /// read here directly; anything else (anchors, aliases, nesting) goes
    /// through `value(startingWith:)`, which reads every node the same way.
    private mutating func entryValue(startingWith first: YAMLEventReader.Event) throws -> YAMLValue {
        guard first.kind == .mappingStart else { return try value(startingWith: first) }
        var pairs: [(key: YAMLValue, value: YAMLValue)] = []
        pairs.reserveCapacity(SubscriberFile.keys.count)
        while true {
            let keyEvent = try reader.next()
            if keyEvent.kind == .mappingEnd { break }
            let key = keyEvent.kind == .scalar && keyEvent.anchor == nil
                ? YAMLValue.scalar(keyEvent.value, plain: keyEvent.plain, mark: keyEvent.mark) : try value(startingWith: keyEvent)
            let valueEvent = try reader.next()
            let node = valueEvent.kind == .scalar && valueEvent.anchor == nil
                ? YAMLValue.scalar(valueEvent.value, plain: valueEvent.plain, mark: valueEvent.mark) : try value(startingWith: valueEvent)
            pairs.append((key, node))
        }
        let mapping = YAMLValue.mapping(pairs)
        if let anchor = first.anchor { anchors[anchor] = mapping }
        return mapping
    }

    /// The node that starts with `first`, read to its end (without recursion:
    /// libyaml allows 1,000 levels).
    private mutating func value(startingWith first: YAMLEventReader.Event) throws -> YAMLValue {
        enum Open {
            case sequence([YAMLValue], anchor: String?)
            case mapping([(key: YAMLValue, value: YAMLValue)], key: YAMLValue?, anchor: String?)
        }
        var stack: [Open] = []
        var event = first
        while true {
            var done: YAMLValue?
            switch event.kind {
            case .scalar:
                let node = YAMLValue.scalar(event.value, plain: event.plain, mark: event.mark)
                if let anchor = event.anchor { anchors[anchor] = node }
                done = node
            case .alias:
                let name = event.anchor ?? ""
                guard let node = anchors[name] else {
                    throw FileProblem(reason: "not valid YAML: found undefined alias \"*\(name)\" at line \(event.mark.line), column \(event.mark.column); an alias must follow its anchor (&\(name))")
                }
                done = node
            case .sequenceStart:
                stack.append(.sequence([], anchor: event.anchor))
            case .mappingStart:
                stack.append(.mapping([], key: nil, anchor: event.anchor))
            case .sequenceEnd, .mappingEnd:
                switch stack.removeLast() {
                case .sequence(let items, let anchor):
                    done = .sequence(items)
                    if let anchor { anchors[anchor] = done }
                case .mapping(let pairs, _, let anchor):
                    done = .mapping(pairs)
                    if let anchor { anchors[anchor] = done }
                }
            case .streamStart, .streamEnd, .documentStart, .documentEnd:
                throw FileProblem(reason: "not valid YAML: unexpected \(event.kind) at line \(event.mark.line), column \(event.mark.column)")
            }
            if let node = done {
                guard let top = stack.popLast() else { return node }
                switch top {
                case .sequence(var items, let anchor):
                    items.append(node)
                    stack.append(.sequence(items, anchor: anchor))
                case .mapping(var pairs, let key, let anchor):
                    if let key {
                        pairs.append((key, node))
                        stack.append(.mapping(pairs, key: nil, anchor: anchor))
                    } else {
                        stack.append(.mapping(pairs, key: node, anchor: anchor))
                    }
                }
            }
            event = try reader.next()
        }
    }

    /// libyaml's refusal in the words the node-tree reader used (`PaperboyConfig.describe`).
    private func describe(_ failure: YAMLEventReader.Failure) -> String {
        switch failure.kind {
        case .syntax:
            return "not valid YAML: \(failure.problem)\(failure.context.map { " \($0)" } ?? "") at line \(failure.mark.line), column \(failure.mark.column)"
        case .memory:
            return "not valid YAML: libyaml ran out of memory"
        case .reader:
            let place = YAMLEventReader.position(ofByte: failure.offset, in: bytes)
            if failure.problem.contains("UTF-8") {
                // libyaml names the byte only for a leading octet; for the others it is the sequence's.
                let byte = failure.byte >= 0 && failure.problem.contains("leading") ? " (byte 0x\(String(failure.byte, radix: 16, uppercase: true)))" : ""
                return "not UTF-8 at line \(place.line), column \(place.column): \(failure.problem)\(byte); save the file as UTF-8"
            }
            let character = failure.byte >= 0 ? " (U+\(String(failure.byte, radix: 16, uppercase: true)))" : ""
            return "not valid YAML: \(failure.problem)\(character) at line \(place.line), column \(place.column)"
        }
    }
}
