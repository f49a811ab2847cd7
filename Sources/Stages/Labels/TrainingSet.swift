import Foundation
import Labels
import Lightly
import PluginAPI
import Storage

/// The labels of every round as `labels` also writes them into its output folder, for a trainer
/// downstream along `needs` (the `train` plugin): `coco-keypoints.json` beside `frames/`, the
/// layout of `export`'s output. The document is the one written to
/// `.lightly/labels/<task>/coco/all-rounds.json`, except that each image's `file_name` is
/// `frames/<frame name>`, relative to the folder, instead of the PNG's datasource key; the PNGs
/// are copied from the datasource, so a trainer needs no datasource credentials, and the labels'
/// and images' content is in the trainer's cache key.
struct TrainingSet {
    /// The output file: the name `export` gives its COCO keypoints document.
    static let fileName = ExportFormat.cocoKeypoints.fileName

    /// The task's labels of every round, `file_name`s the PNGs' datasource keys.
    let allRounds: COCOKeypointsFile

    func write(to writer: RunWriter, from lightly: any BlobStore) async throws {
        var document = allRounds
        for index in document.images.indices {
            let key = document.images[index].fileName
            let path = SelectionRunFolder.frame(document.images[index].frameName ?? key)
            try writer.write(try await mapped { try await lightly.get(key, range: nil) }, to: path)
            document.images[index].fileName = path
        }
        try writer.write(try mapped { try LightlyCoding.encode(document) }, to: Self.fileName)
    }
}
