@testable import PaperboyStore
import Testing

/// FTS5 MATCH expressions translated to PostgreSQL tsquery text (no server
/// needed): operators, prefixes, phrases and column filters carried over,
/// every term a quoted lexeme, FTS5's syntax errors refused as FTS5 words them.
@Suite struct PostgresTextSearchTests {
    @Test(arguments: [
        ("distill", "'distill'"),
        ("distill*", "'distill':*"),
        ("distill* OR logo", "('distill':* | 'logo')"),
        ("a b", "('a' & 'b')"),
        ("a AND b", "('a' & 'b')"),
        ("a NOT b", "('a' & !'b')"),
        ("a OR b c", "('a' | ('b' & 'c'))"),
        ("a b NOT c OR d", "(('a' & ('b' & !'c')) | 'd')"),
        ("(a OR b) c", "(('a' | 'b') & 'c')"),
        ("\"knowledge distillation\"", "'knowledge distillation'"),
        ("\"knowledge distil\"*", "'knowledge distil':*"),
        ("\"say \"\"hi\"\"\"", "'say \"hi\"'"),
        ("a + b", "('a' <-> 'b')"),
        ("authors:jose", "'jose':D"),
        ("title:distill*", "'distill':*A"),
        ("{title abstract}:x", "'x':AD"),
        ("-title:x", "'x':D"),
        ("title:(a OR b*)", "('a':A | 'b':*A)"),
        ("NEAR(a b, 5)", "('a' & 'b')"),
        ("^a", "'a'"),
        ("Müller", "'Müller'"),
        ("and or not", "('and' & 'or' & 'not')"),
    ])
    func translates(fts5: String, tsquery: String) throws {
        #expect(try PostgresTextSearch.tsquery(fromFTS5: fts5) == tsquery)
    }

    @Test func termsCannotBecomeOperatorsOrSQL() throws {
        // Inside a quoted lexeme, tsquery's operators and SQL's quotes are text.
        #expect(try PostgresTextSearch.tsquery(fromFTS5: "\"a' | !b & c:* <-> d\"") == "'a'' | !b & c:* <-> d'")
        #expect(try PostgresTextSearch.tsquery(fromFTS5: "\"back\\\\slash\"") == "'back\\\\\\\\slash'")
        #expect(PostgresTextSearch.quoted("it's") == "'it''s'")
        #expect(PostgresTextSearch.quoted("a\\b") == "'a\\\\b'")
    }

    @Test(arguments: [
        ("", "fts5: syntax error near \"\""),
        ("a AND", "fts5: syntax error near \"\""),
        ("(a", "fts5: syntax error near \"\""),
        ("a)", "fts5: syntax error near \")\""),
        ("NOT a", "fts5: syntax error near \"NOT\""),
        ("2401.001", "fts5: syntax error near \".\""),
        ("\"a", "unterminated string"),
        ("foo:a", "no such column: foo"),
    ])
    func refusesWhatFTS5Refuses(fts5: String, message: String) {
        #expect(throws: PostgresTextSearch.SyntaxError(message: message)) {
            try PostgresTextSearch.tsquery(fromFTS5: fts5)
        }
    }
}
