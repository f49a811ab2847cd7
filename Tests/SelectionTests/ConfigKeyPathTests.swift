import JSON
import Selection
import Testing

/// `selection_config` is read straight from the parameter's `JSONValue`, and its problems carry
/// typed key paths (issue 23): the engine follows them through the YAML without parsing text.
@Suite struct ConfigKeyPathTests {
    static func config(strategyType: String) -> JSONValue {
        .object([
            "n_samples": .int(3),
            "strategies": .array([
                .object(["input": .object(["type": .string("RANDOM")]), "strategy": .object(["type": .string("WEIGHTS")])]),
                .object(["input": .object(["type": .string("RANDOM")]), "strategy": .object(["type": .string(strategyType)])]),
            ]),
        ])
    }

    @Test func parsesAJSONValueAsJSONTextDecodes() throws {
        let parsed = try SelectionConfig(parsing: Self.config(strategyType: "WEIGHTS"))
        let decoded = try decodeConfig(#"{"n_samples": 3, "strategies": [{"input": {"type": "RANDOM"}, "strategy": {"type": "WEIGHTS"}}, {"input": {"type": "RANDOM"}, "strategy": {"type": "WEIGHTS"}}]}"#)
        #expect(parsed == decoded)
    }

    @Test func anUnknownValueIsAtItsTypedKeyPath() {
        let expected = SelectionError(
            .invalidConfig, at: .config(["strategies", 1, "strategy", "type"]), "unknown value 'WEIGHT'. Did you mean 'WEIGHTS'?")
        #expect(throws: expected) { try SelectionConfig(parsing: Self.config(strategyType: "WEIGHT")) }
        #expect(expected.description == "strategies[1].strategy.type: unknown value 'WEIGHT'. Did you mean 'WEIGHTS'?")
    }

    @Test(arguments: [
        (JSONValue.string("x"), ConfigIssue(.config([]), "expected an object, got a string")),
        (.object(["n_samples": .double(2.5), "strategies": .array([])]), ConfigIssue(.config(["n_samples"]), "expected an integer, got 2.5")),
        (.object(["n_samples": .int(1), "strategies": .array([.int(7)])]), ConfigIssue(.config(["strategies", 0]), "expected an object, got a number")),
    ])
    func problemsOfEveryDepthCarryTheirPath(value: JSONValue, issue: ConfigIssue) {
        #expect(throws: SelectionError(.invalidConfig, issues: [issue])) { try SelectionConfig(parsing: value) }
    }

    @Test func theWholeConfigAndTheInputsPrintAsBefore() {
        #expect(ConfigIssue(.config([]), "m").description == "selection_config: m")
        #expect(ConfigIssue(.inputs, "m").description == "inputs: m")
        #expect(JSONPath(["a", 0, "b", 1, 2]).description == "a[0].b[1][2]")
    }
}
