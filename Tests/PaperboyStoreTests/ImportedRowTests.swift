import Foundation
@testable import PaperboyStore
import Testing

/// List columns are written without JSONEncoder for the usual lists; what
/// `PaperRow.encode` writes must be exactly what JSONEncoder writes (the
/// text stored before), or an unchanged re-import would see every row as changed.
@Suite struct ImportedRowTests {
    @Test(arguments: [
        [], ["cs.LG"], ["cs.LG", "cs.CL"], ["2410.18533", "title-abc"], ["Yann LeCun", "Hinton, G."],
        ["hep-th/9901001"], ["Müller", "李 伟"], ["say \"hi\"", "back\\slash"], ["tab\there", "new\nline"], ["", "a"], ["~", "{}", "[x]"],
    ])
    func listsAreWrittenAsJSONEncoderWritesThem(list: [String]) throws {
        #expect(PaperRow.encode(list) == String(decoding: try JSONEncoder().encode(list), as: UTF8.self))
        #expect(PaperRow.decode(PaperRow.encode(list)) == list)
    }
}
