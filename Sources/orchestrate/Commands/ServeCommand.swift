import ArgumentParser
import BrowserView
import Engine
import Foundation
import PluginAPI
import Stages

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the browser view of the pipeline's latest selection run on 127.0.0.1.",
        discussion: """
            Brings WORKDIR/view/ up to date as `orchestrate view` does, then serves it on \
            127.0.0.1 until interrupted; prints the URL. Read-only unless --triage: then the frame \
            page's keys a (accept), r (reject) and s (skip) write the round ledger of the Lightly \
            datasource, and a lasso in the embedding view can store its frames as a tag that \
            `export` reads with `tag: NAME`.
            """)

    @OptionGroup var options: PipelineOptions

    @ArgumentParser.Option(help: ArgumentHelp("The schedule stage whose datasources to read (default: the first one).", valueName: "stage"))
    var stage: String?

    @ArgumentParser.Option(help: "The port on 127.0.0.1 (0: any free port).")
    var port: Int = 8765

    @Flag(help: "Let the page write triage decisions and tags to the Lightly datasource.")
    var triage = false

    func validate() throws {
        guard (0...65_535).contains(port) else { throw ValidationError("Please give a '--port' from 0 to 65535.") }
    }

    func run() async throws {
        let (pipeline, _) = try options.load()
        let schedule = try ViewCommand.scheduleStage(named: stage, in: pipeline)
        let folder = Workdir(pipeline.workdir).browserView
        let server: ViewServer
        do {
            _ = try await RunView.write(
                with: schedule.with, pipelineDirectory: pipeline.directory, into: folder,
                progress: { StandardError.write("view: \($0)") })
            let session = ServeSession(triage: try await ViewTriage(with: schedule.with, pipelineDirectory: pipeline.directory), isWritable: triage)
            server = try ViewServer(folder: folder, port: port) { await session.answer($0) }
        } catch let error as StageError {
            StandardError.write("error: \(error.message)")
            throw ExitCode(1)
        } catch let error as ViewError {
            StandardError.write("error: \(error)")
            throw ExitCode(1)
        }
        StandardOutput.write("http://127.0.0.1:\(server.port)/")
        StandardError.write("serve: \(triage ? "triage on: a/r/s write the round ledger" : "read-only (--triage to write the round ledger)"); Ctrl-C stops")
        try await server.serve()
    }
}

/// The `/api/` requests of the served page.
struct ServeSession: Sendable {
    let triage: ViewTriage
    let isWritable: Bool

    func answer(_ request: ViewServer.Request) async -> ViewServer.Response {
        do {
            switch (request.method, request.path) {
            case ("GET", "/api/session"):
                return try json(["triage": isWritable, "states": try await triage.states()])
            case ("POST", "/api/triage"):
                guard isWritable else { return .error(403, "read-only: start `orchestrate serve` with --triage to write the ledger") }
                let body = try decode(request.body)
                guard let frame = body["frame"] as? String, let decision = (body["decision"] as? String).flatMap(ViewTriage.Decision.init) else {
                    return .error(400, "give {\"frame\": NAME, \"decision\": \"accept\" | \"reject\" | \"skip\"}")
                }
                let state = try await triage.decide(decision, frame: frame)
                return try json(["frame": frame, "state": state ?? ""])
            case ("POST", "/api/tags"):
                guard isWritable else { return .error(403, "read-only: start `orchestrate serve` with --triage to make tags") }
                let body = try decode(request.body)
                guard let name = body["name"] as? String, let frames = body["frames"] as? [String] else {
                    return .error(400, "give {\"name\": TAG, \"frames\": [NAME, …]}")
                }
                let runID = try await triage.makeTag(name, frames: frames)
                return try json(["tag": name, "run_id": runID, "frames": frames.count])
            default:
                return .error(404, "no API \(request.method) \(request.path)")
            }
        } catch let error as StageError {
            return .error(error.code == .invalidInput || error.code == .invalidParameter ? 400 : 500, error.message)
        } catch {
            return .error(500, "\(error)")
        }
    }

    private func decode(_ body: Data) throws -> [String: Any] {
        guard let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any] else {
            throw StageError("the request body is not a JSON object", code: .invalidInput)
        }
        return object
    }

    private func json(_ object: [String: Any]) throws -> ViewServer.Response {
        ViewServer.Response(status: 200, body: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]))
    }
}
