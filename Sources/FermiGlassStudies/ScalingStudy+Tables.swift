import FermiGlassIO

extension ScalingStudy {
    /// plateau.csv: one row per (W, filling, U, form).
    public var plateauTable: CSVTable {
        var t = CSVTable(header: ["W", "filling", "U", "sizes", "form", "formula", "n_inf", "n_inf_error", "a", "a_error", "xi", "xi_error",
                                  "xi_at_search_edge", "chi2", "dof", "chi2_per_dof", "p_value", "AIC", "AICc", "akaike_weight", "selected"])
        for row in plateaus {
            for f in row.result.fits {
                t.append([.double(row.disorderStrength), .double(row.filling), .double(row.interaction),
                          .string(row.sizes.map { JSON.format($0) }.joined(separator: " ")), .string(f.form.rawValue), .string(f.form.formula),
                          .double(f.plateau), .double(f.plateauError), .double(f.amplitude), .double(f.amplitudeError),
                          .double(f.decayLength), .double(f.decayLengthError), .int(f.atSearchEdge ? 1 : 0), .double(f.chiSquared),
                          .int(f.degreesOfFreedom), .double(f.chiSquaredPerDegree), .double(f.pValue), .double(f.aic), .double(f.aicc),
                          .double(f.akaikeWeight), .int(row.result.selected == f.form ? 1 : 0)])
            }
        }
        return t
    }

    /// small_u_law.csv: c for each scale g, per size and over all sizes.
    public var lawTable: CSVTable {
        var t = CSVTable(header: ["g", "size", "W", "U_max", "points", "c", "c_error", "chi2", "chi2_per_dof", "p_value"])
        for r in laws {
            let f = r.fit
            t.append([.string(r.scale.rawValue), .string(r.size), .string(r.disorderStrengths.map { JSON.format($0) }.joined(separator: " ")),
                      .double(smallUMax), .int(f?.points ?? 0), .double(f?.c ?? .nan), .double(f?.cError ?? .nan),
                      .double(f?.chiSquared ?? .nan), .double(f?.chiSquaredPerDegree ?? .nan), .double(f?.pValue ?? .nan)])
        }
        return t
    }

    /// linearity.csv: n_m against U at each (W, size), U <= smallUMax.
    public var linearityTable: CSVTable {
        var t = CSVTable(header: ["W", "filling", "size", "U_used", "zero_points", "exponent", "exponent_error", "slope", "slope_error", "linear_p_value"])
        for r in linearity {
            t.append([.double(r.disorderStrength), .double(r.filling), .string(r.size), .string(r.interactions.map { JSON.format($0) }.joined(separator: " ")),
                      .int(r.zeroPoints), .double(r.exponent), .double(r.exponentError), .double(r.slope), .double(r.slopeError), .double(r.linearPValue)])
        }
        return t
    }

    /// inverse_beta.csv: the per-size Fig. 2(a) width over U in [0.15, 0.4].
    public var inverseBetaTable: CSVTable {
        var t = CSVTable(header: ["W", "filling", "size", "U_used", "inverse_beta_over_U_per_L2", "error", "paper", "inverse_beta_over_U_IPR", "error_IPR"])
        for r in inverseBeta {
            t.append([.double(r.disorderStrength), .double(r.filling), .string(r.size), .string(r.interactions.map { JSON.format($0) }.joined(separator: " ")),
                      .double(r.perUL2), .double(r.perUL2Error), .double(Self.paperInverseBetaPerUL2), .double(r.perUIPR), .double(r.perUIPRError)])
        }
        return t
    }

    /// summary.json's body (the command adds provenance).
    public var summary: [(String, JSON)] {
        let d = definitions
        var defs: [(String, JSON)] = [("window", .string(d.window)), ("minimizer", .string(d.algorithm)),
                                      ("model", .string(d.model)), ("L_loc_states_per_unit", .string(d.localization))]
        if let p = d.proposals { defs.append(("paper_proposals", .int(p))) }
        var out: [(String, JSON)] = [("definitions", .object(defs)), ("small_U_max", .number(smallUMax))]
        if let r = reference {
            out.append(("L_loc_reference", .object([
                ("directory", .string(r.directory)), ("states", .string("all states (dense path)")),
                ("entries", .array(r.entries.map { e in
                    .object([("W", .number(e.disorderStrength)), ("Lx", .int(e.lx)), ("Ly", .int(e.ly)), ("realizations", .int(e.realizations)),
                             ("L_loc", .number(e.length)), ("L_loc_stderr", .number(e.lengthError)),
                             ("inv_L_loc_sq", .number(e.inverseArea)), ("inv_L_loc_sq_error", .number(e.inverseAreaError))])
                })),
            ])))
        } else {
            out.append(("L_loc_reference", .string("none given: g = 1/L_loc^2 not fitted")))
        }
        let unmet = points.filter { !$0.targetMet }
        out += [
            ("not_fitted", .array(unfitted.map { .string("L=\(Self.label($0)) W=\(JSON.format($0.disorderStrength)) U=\(JSON.format($0.interaction)): one realization, no standard error") })),
            ("points", .array(points.map { p in
                .object([("Lx", .int(p.lx)), ("Ly", .int(p.ly)), ("W", .number(p.disorderStrength)), ("filling", .number(p.filling)),
                         ("U", .number(p.interaction)), ("realizations", .int(p.realizations)),
                         ("moment_density", .number(p.momentDensity)), ("moment_density_stderr", .number(p.momentDensityStderr)),
                         ("relative_error", .number(p.relativeError)), ("target_relative_error", .number(p.targetRelativeError)),
                         ("L_loc", .number(p.localizationLength)), ("L_loc_stderr", .number(p.localizationLengthStderr)),
                         ("L_loc_states", .string(p.localizationStates)), ("N0", .number(p.dos)), ("window_IPR", .number(p.windowIPR)),
                         ("mu_star_census", .number(p.muStarCensus)), ("mu_star_conserving", .number(p.muStarConserving)),
                         ("inverse_beta", .number(p.inverseBeta)), ("inverse_beta_error", .number(p.inverseBetaError)),
                         ("paper_moment_density", .number(p.paperMomentDensity))])
            })),
            ("error_targets", .object([
                ("rule", .string("5% where U >= 0.1 or L >= 200, 10% elsewhere")),
                ("points", .int(points.count)), ("met", .int(points.count - unmet.count)),
                ("unmet", .array(unmet.map { .string("L=\(Self.label($0)) W=\(JSON.format($0.disorderStrength)) U=\(JSON.format($0.interaction)): \(String(format: "%.1f%%", 100 * $0.relativeError))") })),
            ])),
            ("plateau", .array(plateaus.map { r in
                .object([("W", .number(r.disorderStrength)), ("filling", .number(r.filling)), ("U", .number(r.interaction)),
                         ("sizes", .numbers(r.sizes)), ("selected", r.result.selected.map { .string($0.rawValue) } ?? .null),
                         ("verdict", .string(r.result.verdict))])
            })),
            ("linearity", .array(linearity.map { r in
                .object([("W", .number(r.disorderStrength)), ("size", .string(r.size)), ("U", .numbers(r.interactions)),
                         ("exponent", .number(r.exponent)), ("exponent_error", .number(r.exponentError)),
                         ("linear_p_value", .number(r.linearPValue)), ("zero_points", .int(r.zeroPoints))])
            })),
            ("small_U_law", .array(laws.map { r in
                .object([("g", .string(r.scale.rawValue)), ("size", .string(r.size)), ("W", .numbers(r.disorderStrengths)),
                         ("c", .number(r.fit?.c ?? .nan)), ("c_error", .number(r.fit?.cError ?? .nan)),
                         ("chi2_per_dof", .number(r.fit?.chiSquaredPerDegree ?? .nan)), ("points", .int(r.fit?.points ?? 0))])
            })),
            ("collapse", .array(collapse.map { .string($0) })),
            ("inverse_beta", .array(inverseBeta.map { r in
                .object([("W", .number(r.disorderStrength)), ("size", .string(r.size)), ("U", .numbers(r.interactions)),
                         ("over_U_per_L2", .number(r.perUL2)), ("over_U_per_L2_error", .number(r.perUL2Error)),
                         ("paper", .number(Self.paperInverseBetaPerUL2)),
                         ("over_U_IPR", .number(r.perUIPR)), ("over_U_IPR_error", .number(r.perUIPRError))])
            })),
        ]
        return out
    }
}

extension ScalingStudy {
    /// What `scaling` writes: scaling.csv, plateau.csv, linearity.csv, small_u_law.csv,
    /// inverse_beta.csv, and the summary body after the list of `results` directories read.
    public func report(results: [String]) -> StudyReport {
        var r = StudyReport(summary: [("results", .array(results.map { .string($0) }))] + summary)
        r.add("scaling.csv", .csv(FiniteSizeScaling.table(points)))
        r.add("plateau.csv", .csv(plateauTable))
        r.add("linearity.csv", .csv(linearityTable))
        r.add("small_u_law.csv", .csv(lawTable))
        r.add("inverse_beta.csv", .csv(inverseBetaTable))
        return r
    }
}
