import MPI
import PLAtlasCore
import PLAtlasIO

extension AnalysisRunContext {
    /// The context of an analysis run by the ranks of `world`, the same for `platlas X` and
    /// `platlas run`: one process (started without a launcher, or `-np 1`) gets the core's
    /// `SerialCollective` and writes a serial file; several ranks get `MPICollective` and write
    /// one parallel file.
    public init(model: Model, world: Communicator, log: Log, resumingFrom: String? = nil) {
        self.init(model: model, collective: world.size > 1 ? MPICollective(world) : SerialCollective(), log: log,
                  communicator: world.size > 1 ? world : nil, resumingFrom: resumingFrom)
    }
}
