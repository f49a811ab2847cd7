/// Why a child process could not be started (a child that started and failed is a
/// ``Subprocess/Termination`` instead).
struct SubprocessError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, naming the program: `cannot run 'x': No such file or directory`.
    var message: String

    init(_ message: String) {
        self.message = message
    }

    var description: String { message }
}
