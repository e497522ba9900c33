import PaperboyPipeline
import PaperboyTestSupport
import Testing

/// The test support sets a `paperboy` process's "now" through the variable
/// the process clock reads; the two names must agree.
struct ClockVariableTests {
    @Test func theSupportTargetSetsTheVariableTheProcessClockReads() {
        #expect(ProcessClock.variable == TestTime.clockVariable)
    }
}
