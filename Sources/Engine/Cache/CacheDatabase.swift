import GRDB

/// The workdir's database as the stores share it: one writer (a `DatabasePool`, or an empty
/// in-memory queue for a read-only look at a workdir that does not exist), and access that turns
/// GRDB's errors into ``CacheError``s naming the workdir and what was being done.
struct CacheDatabase: Sendable {
    let writer: any DatabaseWriter
    let workdir: Workdir

    /// - Throws: ``CacheError`` with code `database` (or the ``CacheError`` `body` threw).
    func read<T>(_ what: String, _ body: (Database) throws -> T) throws -> T {
        try wrap(what) { try writer.read(body) }
    }

    /// Runs `body` in one write transaction.
    /// - Throws: ``CacheError`` with code `database` (or the ``CacheError`` `body` threw).
    @discardableResult
    func write<T>(_ what: String, _ body: (Database) throws -> T) throws -> T {
        try wrap(what) { try writer.write(body) }
    }

    /// Runs `body` in one write transaction, off the caller's thread.
    /// - Throws: ``CacheError`` with code `database` (or the ``CacheError`` `body` threw).
    @discardableResult
    func write<T: Sendable>(_ what: String, _ body: @Sendable (Database) throws -> T) async throws -> T {
        do { return try await writer.write(body) } catch {
            throw wrapped(error, what)
        }
    }

    private func wrap<T>(_ what: String, _ body: () throws -> T) throws -> T {
        do { return try body() } catch { throw wrapped(error, what) }
    }

    private func wrapped(_ error: any Error, _ what: String) -> CacheError {
        if let error = error as? CacheError { return error }
        return CacheError("cache database error while \(what) in '\(workdir.root.path)'", code: .database, cause: error)
    }
}
