import Selection
import Testing

@Suite struct PoseEmbeddingTests {
    @Test func isInvariantToPositionAndScale() {
        let pose: [Double] = [10, 10, 1, 20, 10, 1, 15, 30, 0.5]
        var moved: [Double] = []
        for index in stride(from: 0, to: pose.count, by: 3) {
            moved += [pose[index] * 3 + 100, pose[index + 1] * 3 + 50, pose[index + 2]]
        }
        let a = PoseEmbedding.make(keypoints: pose, box: [10, 10, 10, 20])
        let b = PoseEmbedding.make(keypoints: moved, box: [130, 80, 30, 60])
        #expect(a.count == 6)
        for (x, y) in zip(a, b) { #expect(abs(x - y) < 1e-6) }
        let norm: Float = a.reduce(0) { $0 + $1 * $1 }
        #expect(abs(norm - 1) < 1e-6)
    }

    @Test func handComputedVector() {
        // box centre (5, 5), scale 10; offsets (-0.5, -0.5) and (0.5 * 0.5, 0.5 * 0.5)
        let vector = PoseEmbedding.make(keypoints: [0, 0, 1, 10, 10, 0.5], box: [0, 0, 10, 10])
        let norm: Double = (0.5 * 0.5 * 2 + 0.25 * 0.25 * 2 as Double).squareRoot()
        let expected = [-0.5, -0.5, 0.25, 0.25].map { Float($0 / norm) }
        for (x, y) in zip(vector, expected) { #expect(abs(x - y) < 1e-6) }
    }

    @Test func unusableKeypointsGiveZeros() {
        #expect(PoseEmbedding.make(keypoints: [1, 2, 0, 3, 4, 0]) == [0, 0, 0, 0])
        #expect(PoseEmbedding.make(keypoints: [5, 5, 1]) == [0, 0])  // a point has an empty box
        #expect(PoseEmbedding.make(keypoints: []) == [])
    }

    @Test func tightBoxWhenNoBoxIsGiven() {
        let withBox = PoseEmbedding.make(keypoints: [0, 0, 1, 4, 2, 1], box: [0, 0, 4, 2])
        let without = PoseEmbedding.make(keypoints: [0, 0, 1, 4, 2, 1])
        #expect(withBox == without)
    }
}
