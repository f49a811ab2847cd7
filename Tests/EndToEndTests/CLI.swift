import Crypto
import Foundation
import Testing
import TestSupport

/// Runs the built `orchestrate` binary: `$ORCHESTRATE_BIN` when set (`scripts/test.sh` points it
/// at the release build, the one users run), else `.build/debug/orchestrate` (`swift build --build-tests`).
enum CLI {
    static let binary: URL = {
        if let path = ProcessInfo.processInfo.environment["ORCHESTRATE_BIN"], !path.isEmpty {
            return URL(fileURLWithPath: path)
        }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return root.appendingPathComponent(".build/debug/orchestrate")
    }()

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
        var lines: [String] { stdout.split(separator: "\n").map(String.init) }
    }

    /// Starts `orchestrate ARGS` in `directory`, with this process's environment plus `environment`.
    static func start(_ arguments: [String], in directory: URL, environment: [String: String] = [:]) throws -> ChildProcess {
        let merged = environment.isEmpty ? nil
            : ProcessInfo.processInfo.environment.merging(environment) { _, added in added }
        return try ChildProcess.start(binary.path, arguments, in: directory, environment: merged)
    }

    static func finish(_ started: ChildProcess) async throws -> Result {
        let output = try await started.wait()
        return Result(status: output.status, stdout: output.stdoutText, stderr: output.stderrText)
    }

    @discardableResult
    static func run(_ arguments: [String], in directory: URL, environment: [String: String] = [:]) async throws -> Result {
        try await finish(try start(arguments, in: directory, environment: environment))
    }
}

/// A temporary pipeline folder with `data/` sources, a YAML file and an execution log.
struct Workspace {
    let directory: TemporaryDirectory
    var root: URL { directory.url }
    var log: URL { root.appendingPathComponent("executions.log") }

    init(sources: [String: String]) throws {
        directory = try TemporaryDirectory(prefix: "e2e")
        let data = root.appendingPathComponent("data")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        for (name, text) in sources { try Data(text.utf8).write(to: data.appendingPathComponent(name)) }
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
    }

    func write(pipeline: String) throws {
        try Data(pipeline.utf8).write(to: root.appendingPathComponent("p.yaml"))
    }

    /// Lines of the execution log (`STAGE KEY` per execution).
    func executions() throws -> [String] {
        try String(contentsOf: log, encoding: .utf8).split(separator: "\n").map(String.init)
    }

    func count(_ line: String) throws -> Int { try executions().filter { $0 == line }.count }

    /// The execution log's lines, then empties it, so the next command's executions stand alone.
    func takeExecutions() throws -> [String] {
        let lines = try executions()
        try Data().write(to: log)
        return lines
    }

    /// `WORKDIR/out`, as `outputs` prints it.
    var outDirectory: URL { root.appendingPathComponent(".orchestrate/out") }

    func output(_ relative: String) throws -> Data {
        try Data(contentsOf: root.appendingPathComponent(".orchestrate/out").appendingPathComponent(relative))
    }

    /// The failed attempts kept for `item` (`STAGE/KEY`) in `WORKDIR/failed/`, oldest first.
    func failedAttempts(_ item: String) -> [URL] {
        let folder = root.appendingPathComponent(".orchestrate/failed/\(item)", isDirectory: true)
        // No folder: nothing kept.
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.sorted().map { folder.appendingPathComponent($0, isDirectory: true) }
    }

    /// ` (attempt folder: PATH)`, as `status` ends the line of a failed item: its newest kept attempt.
    func attemptFolderSuffix(_ item: String) throws -> String {
        " (attempt folder: \(try #require(failedAttempts(item).last, "no failed attempt of \(item) kept").path))"
    }

    /// Items whose commit completed, read straight from the database (`sqlite3`, fast).
    func committedItemsInDatabase() async throws -> Set<String> {
        let database = root.appendingPathComponent(".orchestrate/orchestrate.sqlite")
        guard FileManager.default.fileExists(atPath: database.path) else { return [] }
        return Set(try await sqlite3(database, "SELECT stage || '/' || item_key FROM items WHERE state = 'done'")
            .split(separator: "\n").map(String.init))
    }
}

/// A three-stage exec pipeline: `upper` per source, `double` per item, `total` gathering them.
/// Every command logs `STAGE KEY` to the workspace's execution log first.
func threeStagePipeline(log: URL, sleep: String = "0") -> String {
    """
    version: 1
    name: exec-chain
    stages:
      upper:
        uses: exec
        foreach: "data/*.txt"
        with:
          argv: [sh, -c, 'echo "upper $3" >> "$0"; sleep \(sleep); tr a-z A-Z < "$1" > "$2/up.txt"', "\(log.path)", "${item.path}", "${out}", "${item.name}"]
      double:
        uses: exec
        needs: [upper]
        with:
          argv: [sh, -c, 'echo "double $3" >> "$0"; sleep \(sleep); cat "$1/up.txt" "$1/up.txt" > "$2/double.txt"', "\(log.path)", "${in.upper}", "${out}", "${item.name}"]
      total:
        uses: exec
        needs: [double]
        with:
          gather: true
          argv: [sh, -c, 'echo "total all" >> "$0"; find -L "$1" -name double.txt | sort | xargs cat > "$2/all.txt"', "\(log.path)", "${in.double}", "${out}"]
    """
}

/// One stage, `check`, under `on_error: skip`, whose item `b.txt` fails (status 3, stderr
/// `corrupt input b.txt`). Every command logs `check KEY` to the execution log first.
func checkPipeline(log: URL) -> String {
    """
    version: 1
    name: failures
    stages:
      check:
        uses: exec
        foreach: "data/*.txt"
        on_error: skip
        with:
          argv: [sh, -c, 'echo "check $3" >> "$0"; if [ "$3" = b.txt ]; then echo "corrupt input $3" >&2; exit 3; fi; cp "$1" "$2/ok.txt"', "\(log.path)", "${item.path}", "${out}", "${item.name}"]
    """
}

/// Runs the `sqlite3` shell on a database and returns its output.
func sqlite3(_ database: URL, _ sql: String) async throws -> String {
    try await ChildProcess.run("/usr/bin/sqlite3", ["-cmd", ".timeout 10000", database.path, sql]).stdoutText
}

/// Lower-case hex SHA-256: the name of an object in the workdir's store.
func sha256(_ data: Data) -> String {
    SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
}

func sha256(_ text: String) -> String { sha256(Data(text.utf8)) }
