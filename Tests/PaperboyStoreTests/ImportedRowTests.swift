@testable import PaperboyStore
import Testing

/// The import writes list columns without JSONEncoder for the usual lists;
/// what it writes must be exactly what `PaperRow.encode` writes, or an
/// unchanged re-import would see every row as changed.
@Suite struct ImportedRowTests {
    @Test(arguments: [
        [], ["cs.LG"], ["cs.LG", "cs.CL"], ["2410.18533", "title-abc"], ["Yann LeCun", "Hinton, G."],
        ["hep-th/9901001"], ["Müller", "李 伟"], ["say \"hi\"", "back\\slash"], ["tab\there", "new\nline"], ["", "a"], ["~", "{}", "[x]"],
    ])
    func listsAreWrittenAsPaperRowWritesThem(list: [String]) {
        #expect(ImportedRow.encode(list) == PaperRow.encode(list))
        #expect(PaperRow.decode(ImportedRow.encode(list)) == list)
    }
}
