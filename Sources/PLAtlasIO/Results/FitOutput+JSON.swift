import PLAtlasCore

/// The JSON document of `platlas fit --json`: its parts that describe the fit's results.
extension FitOutput {
    /// One-step error: rmse, relative, pairs.
    public static func errorJSON(_ e: OneStepError) -> JSONOutput {
        .object([("rmse", .number(e.rmse)), ("relative", .number(e.relative)), ("pairs", .integer(e.pairs))])
    }

    /// The signs of det J over the visited regions, and the invertible refit when there was one.
    public static func invertibilityJSON(_ report: FitReport) -> [(String, JSONOutput)] {
        func signs(_ r: VisitedDeterminantReport) -> [(String, JSONOutput)] {
            [("regions_visited", .integer(r.regionsVisited)), ("det_positive", .integer(r.positive)),
             ("det_negative", .integer(r.negative)), ("det_zero", .integer(r.zero)),
             ("smallest_det", .number(r.smallestDeterminant)), ("all_positive", .bool(r.allPositive))]
        }
        var invertibility = signs(report.invertibility)
        if let refit = report.invertibleRefit {
            invertibility += [("refit_rounds", .integer(refit.rounds)), ("penalised_regions", .integer(refit.penalisedRegions)),
                              ("before_refit", .object(signs(refit.before)))]
        }
        return invertibility
    }

    /// The long-horizon check: fixed points (inside the region of interest when `topology` is
    /// given, with the nearest true equilibrium), attractors, and the true system's.
    public static func longHorizonJSON(_ lh: LongHorizonReport, topology: TopologyComparison?) -> JSONOutput {
        let points: [JSONOutput] = lh.fixedPoints.enumerated().map { i, c in
            var entry: [(String, JSONOutput)] = [("point", .numbers(c.points[0])), ("stability", .string(c.stability.rawValue)),
                                                 ("unstable_dimension", .integer(c.unstableDimension))]
            if let topology {
                entry.append(("inside_region", .bool(!topology.outside.contains(i))))
            }
            if let near = lh.nearestTrue[i] {
                entry += [("nearest_true", .numbers(lh.trueEquilibria[near.index].point)), ("distance", .number(near.distance))]
            }
            return .object(entry)
        }
        func attractors(_ list: [AttractorSummary]) -> JSONOutput {
            .array(list.map { a in
                .object([("kind", .string(a.kind.rawValue)), ("centre", .numbers(a.centre)),
                         ("largest_lyapunov_exponent", .number(a.largestExponent)), ("orbits", .integer(a.orbits))])
            })
        }
        var long: [(String, JSONOutput)] = [
            ("fixed_points", .array(points)),
            ("stable_fixed_points", .integer(lh.fixedPoints.filter { $0.stability == .stable }.count)),
            ("attractors", attractors(lh.attractors)),
        ]
        if let truth = lh.trueAttractors {
            long += [
                ("true_fixed_points", .array(lh.trueEquilibria.map {
                    .object([("point", .numbers($0.point)), ("stable", .bool($0.isStable)),
                             ("unstable_dimension", .integer($0.unstableDimension))])
                })),
                ("true_attractors", attractors(truth)),
                ("reproduces_attractors", lh.reproducesAttractors.map { .bool($0) } ?? .null),
            ]
        }
        return .object(long)
    }

    /// The comparison with the true system: every true equilibrium inside the region with the
    /// fitted fixed point matched to it, the spurious fixed points inside, those outside.
    public static func topologyJSON(_ t: TopologyComparison, _ lh: LongHorizonReport, format fmt: (Double) -> String) -> JSONOutput {
        func fixedPoint(_ i: Int) -> JSONOutput {
            .object([("point", .numbers(lh.fixedPoints[i].points[0])), ("unstable_dimension", .integer(lh.fixedPoints[i].unstableDimension))])
        }
        let matches: [JSONOutput] = t.matches.map { m in
            .object([("true_point", .numbers(lh.trueEquilibria[m.trueIndex].point)),
                     ("true_unstable_dimension", .integer(m.trueUnstableDimension)),
                     ("point", m.fittedIndex.map { .numbers(lh.fixedPoints[$0].points[0]) } ?? .null),
                     ("unstable_dimension", m.fittedUnstableDimension.map { .integer($0) } ?? .null),
                     ("distance", m.distance.map { .number($0) } ?? .null),
                     ("agrees", .bool(m.agrees))])
        }
        return .object([
            ("agrees", .bool(t.agrees)),
            ("tolerance", .number(t.tolerance)),
            ("largest_fixed_point_error", t.largestMatchedDistance.map { .number($0) } ?? .null),
            ("equilibria", .array(matches)),
            ("spurious", .array(t.spurious.map(fixedPoint))),
            ("outside", .array(t.outside.map(fixedPoint))),
            ("attractors_agree", .bool(t.attractorsAgree)),
            ("differences", .array(t.differences.map { .string($0.describe(fmt)) })),
        ])
    }
}
