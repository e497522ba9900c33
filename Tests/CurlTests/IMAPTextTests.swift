@testable import Curl
import Testing

/// Reading IMAP responses: the parts the return mailbox relies on.
@Suite struct IMAPTextTests {
    @Test func permanentFlagsSayWhetherTheFolderKeepsKeywordsOfOurOwn() {
        let dovecot = ["* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)",
                       "* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft \\*)] Flags permitted.",
                       "* OK [UIDVALIDITY 1796580264] UIDs valid"]
        #expect(IMAPText.keepsKeywords(dovecot) == true)
        #expect(IMAPText.keepsKeywords(["* OK [PERMANENTFLAGS (\\Seen \\Deleted)] Limited"]) == false)
        #expect(IMAPText.keepsKeywords(["* OK [PERMANENTFLAGS ()] No permanent flags permitted"]) == false)
        #expect(IMAPText.keepsKeywords(["* OK [UIDVALIDITY 3857529045] UIDs valid"]) == nil, "not said: not assumed either way")
        #expect(IMAPText.uidValidity(dovecot) == "1796580264")
    }
}
