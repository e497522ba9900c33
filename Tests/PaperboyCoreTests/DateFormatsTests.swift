import Foundation
import PaperboyCore
import PaperboyTestSupport
import Testing

/// Every date format, written once in `DateFormats`, gives the same bytes
/// the formatters it replaced gave.
@Suite struct DateFormatsTests {
    /// Moments around the test days, on and off the minute and the second,
    /// in leap years and not, before and after 1970.
    static let moments: [Date] = [
        TestTime.now, TestTime.digestAt, TestTime.digestAt.addingTimeInterval(59.999), TestTime.digestAt.addingTimeInterval(-0.5),
        Date(timeIntervalSince1970: 0), Date(timeIntervalSince1970: -1), Date(timeIntervalSince1970: 951_782_400),   // 2000-02-29
        Date(timeIntervalSince1970: 4_107_542_399), // 2100-02-28T23:59:59Z
    ]

    static func formatter(_ format: String) -> DateFormatter {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(secondsFromGMT: 0)
        formatter.dateFormat = format
        return formatter
    }

    @Test func theFormatsArePinned() {
        #expect(DateFormats.minute(TestTime.digestAt) == "2026-11-30 08:01Z")
        #expect(DateFormats.day(TestTime.digestAt) == "2026-11-30")
        #expect(DateFormats.iso8601(TestTime.digestAt) == "2026-11-30T08:01:00Z")
        #expect(DateFormats.stamp(TestTime.digestAt) == "20261130T080100Z")
        #expect(DateFormats.mailDate(TestTime.now) == "Sun, 29 Nov 2026 12:00:00 +0000")
        let berlin = DateFormats.digestDates(in: TimeZone(identifier: "Europe/Berlin")!)
        #expect(berlin.long.string(from: TestTime.digestAt) == "Monday, 30 November 2026")
        #expect(berlin.short.string(from: TestTime.digestAt) == "30 Nov")
        #expect(DigestSelector.describe(TestTime.digestAt) == DateFormats.minute(TestTime.digestAt))
    }

    @Test(arguments: moments)
    func theFormatsGiveWhatTheOldFormattersGave(moment: Date) {
        #expect(DateFormats.minute(moment) == Self.formatter("yyyy-MM-dd HH:mm").string(from: moment) + "Z")
        #expect(DateFormats.day(moment) == Self.formatter("yyyy-MM-dd").string(from: moment))
        #expect(DateFormats.day(moment) == moment.formatted(.iso8601.year().month().day()))
        #expect(DateFormats.stamp(moment) == Self.formatter("yyyyMMdd'T'HHmmss'Z'").string(from: moment))
        #expect(DateFormats.mailDate(moment) == Self.formatter("EEE, d MMM yyyy HH:mm:ss '+0000'").string(from: moment))
    }

    @Test func aStampReadsBackAndNothingElseDoes() {
        #expect(DateFormats.parseStamp("20261130T080100Z") == TestTime.digestAt)
        #expect(DateFormats.parseStamp(DateFormats.stamp(TestTime.now)) == TestTime.now)
        for bad in ["", "20261130T080100", "20261130 080100Z", "20261331T080100Z", "20260230T080100Z", "20261130T246000Z", "2026113aT080100Z"] {
            #expect(DateFormats.parseStamp(bad) == nil, "\(bad)")
        }
    }

    @Test func feedDatesInRFC822AreRead() {
        #expect(FeedDate.parse("Mon, 30 Nov 2026 08:01:00 +0000") == TestTime.digestAt)
        #expect(DateFormats.parseRFC822("30 Nov 2026 09:01:00 +0100") == TestTime.digestAt)
        #expect(DateFormats.parseRFC822("Mon, 30 Nov 2026 08:01 +0000") == TestTime.digestAt)
        #expect(DateFormats.parseRFC822("yesterday") == nil)
    }
}
