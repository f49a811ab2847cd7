import Testing

@testable import Markup

@Suite struct MarkupTests {
    @Test func escapesEveryCharacterThatEndsTextOrAQuotedAttribute() {
        #expect(Markup.escape(#"a<b>&"c"'d'"#) == "a&lt;b&gt;&amp;&quot;c&quot;&#39;d&#39;")
    }

    @Test func leavesOtherTextAlone() {
        let text = "Spieler Nr. 7 — Sprung, 12 px ☺"
        #expect(Markup.escape(text) == text)
    }
}
