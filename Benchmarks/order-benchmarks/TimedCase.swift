#if canImport(Glibc)
    import Glibc
#endif

/// A named operation to time, one call per round.
struct TimedCase {
    var name: String
    var call: () throws -> Void
}

/// Runs every case once per round, in turns, after `warmup` untimed rounds.
///
/// Taking the cases in turns, rather than one after the other, spreads the changing load of a shared machine
/// evenly over them, so that their ratios stay meaningful when the absolute figures are noisy.
func runInTurns(_ cases: [TimedCase], rounds: Int, warmup: Int = 10) throws -> [CaseResult] {
    precondition(rounds > 0, "at least one round")
    var samples = Array(repeating: [UInt64](), count: cases.count)
    for round in 0..<(warmup + rounds) {
        for (index, timed) in cases.enumerated() {
            let started = monotonicNanoseconds()
            try timed.call()
            let elapsed = monotonicNanoseconds() - started
            if round >= warmup { samples[index].append(elapsed) }
        }
    }
    return zip(cases, samples).map { CaseResult(name: $0.name, nanoseconds: $1) }
}

private func monotonicNanoseconds() -> UInt64 {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
}
