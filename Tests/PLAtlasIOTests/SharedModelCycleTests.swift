import Testing
@testable import PLAtlasCore
@testable import PLAtlasIO

/// Cycle searches on the trained models beside the repository (facts from ../shared/models/README.md).
struct SharedModelCycleTests {
    @Test func trainedLorenzALRNNHasFourSaddles() throws {
        let model = try ModelFile.loadSingle(SharedModels.path("alrnn_lorenz_m20_p2.json"))
        let result = try CycleSearch(model: model, options: CycleSearchOptions(maxOrder: 1)).run()
        #expect(result.cycles.map(\.unstableDimension).sorted() == [1, 2, 2, 3])
        #expect(result.cycles.allSatisfy { $0.stability == .saddle })
    }

    @Test func trainedLorenzPLRNNHasFourFixedPoints() throws {
        let model = try ModelFile.loadSingle(SharedModels.path("plrnn_lorenz_m10.json"))
        let result = try CycleSearch(model: model, options: CycleSearchOptions(maxOrder: 1)).run()
        #expect(result.cycles.map(\.unstableDimension).sorted() == [0, 1, 1, 2])
        // Cross-check each against the affine solve in its own region.
        let form = model.shallowForm()
        for c in result.cycles {
            let image = form(c.points[0])
            #expect(Cycle.close(image, c.points[0], 1e-10))
        }
    }

}
